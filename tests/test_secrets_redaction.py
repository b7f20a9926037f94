"""A secret never shows up in errors, reprs, logs or on the wire, whatever goes wrong."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from crosspost_adapters.lj import pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox

from crosspost.config import Account
from crosspost.config.secrets import secret_for
from crosspost.errors import CrosspostError
from crosspost.story.post import Post

SECRET = "Sup3r-Secret-Value-4711"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + repr(record.args) + repr(record.__dict__))


@pytest.fixture
def logs() -> Iterator[Capture]:
    """Every record of crosspost's and httpx's loggers, at DEBUG."""
    cap = Capture()
    loggers = [logging.getLogger(n) for n in ("crosspost", "httpx", "httpcore", "")]
    old = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(cap)
        lg.setLevel(logging.DEBUG)
    yield cap
    for lg, level in old:
        lg.removeHandler(cap)
        lg.setLevel(level)
    pacing.forget_pacers()
    tagcache.forget()


def _adapter(url: str, monkeypatch: pytest.MonkeyPatch, *, sessions: bool,
             bodies: list[bytes]) -> Sandbox:
    monkeypatch.setenv("CROSSPOST_SECRET_LEAKY", SECRET)

    def keep(request: httpx.Request) -> None:
        bodies.append(request.read())

    account = Account(site="sandbox", username="writer", server=url, use_sessions=sessions,
                      timeout=5.0)
    return Sandbox(account, secret_for("leaky"), event_hooks={"request": [keep]})


def _assert_clean(err: BaseException, adapter: Sandbox, logs: Capture,
                  bodies: list[bytes]) -> None:
    texts = [str(err), repr(err), repr(err.args)]
    if isinstance(err, CrosspostError):
        texts += [err.render(), err.fix]
    texts += [repr(adapter), repr(adapter.client), repr(adapter.client.auth),
              repr(vars(adapter)), *logs.lines]
    for text in texts:
        assert SECRET not in text
    assert all(SECRET.encode() not in body for body in bodies)
    assert logs.lines  # the logs were really captured


@pytest.mark.parametrize("sessions", [False, True])
def test_bad_password_error_does_not_leak(sandbox: Any, logs: Capture,
                                          monkeypatch: pytest.MonkeyPatch,
                                          sessions: bool) -> None:
    bodies: list[bytes] = []
    adapter = _adapter(sandbox.url, monkeypatch, sessions=sessions, bodies=bodies)
    with pytest.raises(CrosspostError) as info:
        adapter.post(Post(target="t", subject="s", html="<p>x</p>"), None)
    adapter.close()
    _assert_clean(info.value, adapter, logs, bodies)


@pytest.mark.parametrize("kind", ["fault", "http500", "drop_after"])
def test_server_trouble_does_not_leak(sandbox: Any, logs: Capture,
                                      monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    with sandbox.world.lock:
        sandbox.world.require("writer").api_keys.append(SECRET)
    sandbox.faults.add(kind, "postevent", code=500 if kind != "fault" else 501, count=1)
    bodies: list[bytes] = []
    adapter = _adapter(sandbox.url, monkeypatch, sessions=True, bodies=bodies)
    with pytest.raises(CrosspostError) as info:
        adapter.post(Post(target="t", subject="s", html="<p>x</p>"), None)
    adapter.close()
    _assert_clean(info.value, adapter, logs, bodies)


def test_transport_error_does_not_leak(logs: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    # the port stays bound (not listening) meanwhile: refused, and no one else can take it
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        bodies: list[bytes] = []
        adapter = _adapter(f"http://127.0.0.1:{port}", monkeypatch, sessions=False,
                           bodies=bodies)
        with pytest.raises(CrosspostError) as info:
            adapter.check_login()
        adapter.close()
    _assert_clean(info.value, adapter, logs, bodies)


def test_successful_session_batch_does_not_leak(sandbox: Any, logs: Capture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with sandbox.world.lock:
        sandbox.world.require("writer").api_keys.append(SECRET)
    bodies: list[bytes] = []
    adapter = _adapter(sandbox.url, monkeypatch, sessions=True, bodies=bodies)
    receipt = adapter.post(Post(target="t", subject="s", html="<p>x</p>"), "fluffyfics")
    adapter.close()
    assert receipt.status == "posted"
    _assert_clean(RuntimeError("none"), adapter, logs, bodies)
