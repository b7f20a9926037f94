"""Files that ship inside the package: the example config, the systemd unit, the docs.

A built wheel carries copies in ``crosspost/shipped/`` (``setup.py`` copies them at build
time from their places in the source tree); a source checkout reads the originals.
"""

from __future__ import annotations

from pathlib import Path

from crosspost.errors import CrosspostError

#: shipped name → the file's place in the source tree
SHIPPED: dict[str, str] = {
    "config.example.toml": "config.example.toml",
    "crosspost.service": "contrib/systemd/crosspost.service",
    "README.md": "README.md",
    "USER-GUIDE.md": "docs/USER-GUIDE.md",
    "JSON.md": "docs/JSON.md",
}

_PACKAGE = Path(__file__).resolve().parents[1]


def shipped_path(name: str) -> Path:
    """Where the shipped file ``name`` is on this installation."""
    packaged = _PACKAGE / "shipped" / name
    if packaged.is_file():
        return packaged
    source = _PACKAGE.parent / SHIPPED[name]
    if source.is_file():
        return source
    raise CrosspostError(f"this installation of crosspost lacks its {name}",
                         "reinstall crosspost (pipx reinstall crosspost)")


def shipped_text(name: str) -> str:
    return shipped_path(name).read_text(encoding="utf-8")
