"""Build hook: copy the example config, the systemd unit and the docs into the package
(``crosspost/shipped/``), so that a pip or pipx install has them (``crosspost init
--example``). Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: keep in step with crosspost/cli/shipped.py SHIPPED
SHIPPED = {
    "config.example.toml": "config.example.toml",
    "crosspost.service": "contrib/systemd/crosspost.service",
    "README.md": "README.md",
    "USER-GUIDE.md": "docs/USER-GUIDE.md",
    "JSON.md": "docs/JSON.md",
}


class BuildWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # a source checkout reads the originals
            return
        target = Path(self.build_lib) / "crosspost" / "shipped"
        target.mkdir(parents=True, exist_ok=True)
        for name, source in SHIPPED.items():
            shutil.copyfile(HERE / source, target / name)


setup(cmdclass={"build_py": BuildWithShippedFiles})
