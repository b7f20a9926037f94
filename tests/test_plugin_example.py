"""The worked third-party adapter (examples/crosspost-archive) through the real engine.

The example is made visible the way an installed package is: a ``*.dist-info`` folder with
its ``entry_points.txt`` on the import path, found by the same entry-point lookup as the
built-in adapters. Posting, editing, deleting, a refusal and an uncertain request (a run
that died after recording its intent) all go through :class:`Publisher` and a real state
file; the adapter writes real files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crosspost.adapter import Adapter, Post, Receipt, RemoteRef
from crosspost.adapter import lookup as adapter_lookup
from crosspost.config import Config, load_config
from crosspost.config import sites as config_sites
from crosspost.delivery import Publisher
from crosspost.delivery.reconcile import encode_post
from crosspost.errors import ConfigError
from crosspost.render import render_post
from crosspost.state.lock import owner_token
from crosspost.state.records import Decision
from crosspost.state.registry import Intent, Registry
from crosspost.story.parse import parse_file

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "crosspost-archive"


def _install_example(into: Path) -> Path:
    """A site-packages-like folder holding the example's metadata; returns it."""
    info = into / "crosspost_archive-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crosspost-archive\n"
                                   "Version: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        '[crosspost.adapters]\narchive = crosspost_archive:ArchiveAdapter\n')
    return into


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    site_dir = _install_example(tmp_path / "site-packages")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.syspath_prepend(str(site_dir))
    adapter_lookup._loaded.pop("archive", None)
    config_sites._models.pop("archive", None)
    yield os.pathsep.join([str(site_dir), str(EXAMPLE)])
    adapter_lookup._loaded.pop("archive", None)
    config_sites._models.pop("archive", None)


def _config(tmp_path: Path, account_keys: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"""
[settings]
state_file = "state.sqlite3"
timezone = "UTC"
retry_base_seconds = 0.01

[accounts.archive]
site = "archive"
username = "writer"
{account_keys}

[targets.archive]
account = "archive"
auto = true
""", encoding="utf-8")
    return cfg


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    return folder


@pytest.fixture
def config(tmp_path: Path, pages: Path, plugin_path: str) -> Config:
    return load_config(_config(tmp_path, f'folder = "{pages.as_posix()}"'))


@pytest.fixture
def publisher(config: Config) -> Iterator[Publisher]:
    registry = Registry.for_config(config)
    pub = Publisher(config, registry, sleep=lambda s: None)
    yield pub
    pub.close()
    registry.close()


def _story(tmp_path: Path, title: str, body: str) -> Path:
    path = tmp_path / f"{title.lower().replace(' ', '-')}.txt"
    path.write_text(f"Title: {title}\nBy: Tester\nRating: G\n\n{body}\n", encoding="utf-8")
    return path


def test_plugin_posts_edits_and_deletes_through_the_engine(
        tmp_path: Path, pages: Path, publisher: Publisher) -> None:
    path = _story(tmp_path, "Paper Boats", "They folded boats out of the letters.")
    story = parse_file(path)
    posted = publisher.publish(story)
    assert [o.action for o in posted] == ["posted"]
    page = pages / "1.html"
    assert posted[0].url == page.as_uri()
    assert "folded boats" in page.read_text(encoding="utf-8")

    path.write_text(path.read_text(encoding="utf-8").replace("letters", "old maps"),
                    encoding="utf-8")
    assert [o.action for o in publisher.edit(parse_file(path))] == ["edited"]
    assert "old maps" in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in pages.iterdir()) == ["1.html"]

    assert [o.action for o in publisher.delete(story.identity)] == ["deleted"]
    assert list(pages.iterdir()) == []


def test_plugin_refusal_is_a_failed_delivery_with_the_sites_words_and_the_fix(
        tmp_path: Path, pages: Path, plugin_path: str) -> None:
    cfg = load_config(_config(tmp_path, f'folder = "{pages.as_posix()}"\nmax_bytes = 1000'))
    registry = Registry.for_config(cfg)
    pub = Publisher(cfg, registry, sleep=lambda s: None)
    try:
        story = parse_file(_story(tmp_path, "Long Night", "word " * 400))
        [out] = pub.publish(story)
    finally:
        pub.close()
        registry.close()
    assert out.action == "failed"
    assert out.error is not None and "this archive takes at most 1,000" in out.error.message
    assert "max_bytes" in out.error.fix
    assert list(pages.iterdir()) == []


def _dead_run_intent(registry: Registry, post: Post, content_hash: str, identity: str) -> None:
    """What a run leaves behind when it dies after recording its intent."""
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    registry.claim(lambda row, live: Decision("post"),
                   Intent(dead, 900.0, encode_post(post), post.fingerprint, post.subject,
                          content_hash), identity=identity, target="archive")


def test_plugin_uncertain_request_that_landed_is_adopted_not_repeated(
        tmp_path: Path, pages: Path, config: Config, publisher: Publisher) -> None:
    story = parse_file(_story(tmp_path, "Lost Answer", "The letter came back unopened."))
    post = render_post(story, config, "archive")
    _dead_run_intent(publisher.registry, post, story.content_hash, story.identity)
    landed = publisher.pool.adapter("archive").post(post, None)  # the lost request's effect
    assert [(o.action, o.url) for o in publisher.reconcile()] == [("posted", landed.url)]
    assert [o.action for o in publisher.publish(story)] == ["skipped"]
    assert sorted(p.name for p in pages.iterdir()) == ["1.html"]


def test_plugin_uncertain_request_that_never_landed_is_sent_once(
        tmp_path: Path, pages: Path, config: Config, publisher: Publisher) -> None:
    story = parse_file(_story(tmp_path, "Never Sent", "Nobody wrote back."))
    post = render_post(story, config, "archive")
    _dead_run_intent(publisher.registry, post, story.content_hash, story.identity)
    assert [o.action for o in publisher.reconcile()] == ["retry"]
    assert [o.action for o in publisher.retry()] == ["posted"]
    assert sorted(p.name for p in pages.iterdir()) == ["1.html"]


@pytest.mark.parametrize(("keys", "expected"), [
    ('foldr = "x"', "accounts.archive.foldr: unknown key (did you mean 'folder'?)"),
    ('max_bytes = 5000', "accounts.archive.folder: Field required"),
    ('folder = "x"\nmax_bytes = "big"', "accounts.archive.max_bytes: Input should be a valid "
                                        "integer"),
    ('folder = "x"\ntimout = 5', "accounts.archive.timout: unknown key (did you mean "
                                 "'timeout'?)"),
])
def test_plugin_account_settings_are_checked_like_crossposts_own(
        tmp_path: Path, plugin_path: str, keys: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, keys))
    assert expected in err.value.render()


def test_a_builtin_account_with_a_stray_key_is_still_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[accounts.dw]\nsite = "dreamwidth"\nusername = "me"\nfolder = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "accounts.dw.folder: unknown key" in err.value.render()


def test_plugin_gets_its_validated_settings(config: Config, pages: Path) -> None:
    from crosspost.adapter import adapter_class

    adapter = adapter_class("archive")(config.accounts["archive"], lambda: "")
    assert adapter.settings.folder == pages and adapter.settings.max_bytes == 1_000_000


def test_default_check_login_does_not_claim_a_login_it_did_not_check() -> None:
    class Minimal(Adapter):
        site = "minimal"

        def post(self, post: Post, journal: str | None) -> Receipt:
            raise NotImplementedError

        def edit(self, post: Post, journal: str | None, remote: RemoteRef) -> Receipt:
            raise NotImplementedError

        def delete(self, journal: str | None, remote: RemoteRef) -> Receipt:
            raise NotImplementedError

    from crosspost.config import Account

    with pytest.raises(NotImplementedError):
        Minimal(Account(username="me"), lambda: "").check_login()


def test_plugin_post_from_the_command_line_needs_no_secret(
        tmp_path: Path, pages: Path, plugin_path: str) -> None:
    cfg = _config(tmp_path, f'folder = "{pages.as_posix()}"')
    story = _story(tmp_path, "By Hand", "Posted by a writer typing one command.")
    env = {**os.environ, "PYTHONPATH": plugin_path}
    proc = subprocess.run([sys.executable, "-m", "crosspost", "--config", str(cfg), "post",
                           str(story)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (pages / "1.html").as_uri() in proc.stdout
    login = subprocess.run([sys.executable, "-m", "crosspost", "--config", str(cfg), "login",
                            "archive", "--stored"], capture_output=True, text=True, env=env,
                           timeout=120)
    assert login.returncode == 0, login.stderr
    assert f"writing to {pages}" in login.stdout

