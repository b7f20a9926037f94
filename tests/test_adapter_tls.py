"""A bad TLS certificate (self-signed, expired, issued for another name) is a permanent
fault whose fix names the certificate problem: never retried as if the site were down.

The sandbox serves real HTTPS with certificates made for the test (trustme)."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from cli_support import run_main
from crosspost_adapters.lj import pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox
from crosspost_adapters.lj.transport import tls_context
from storyfiles import write_story

from crosspost.config import Account
from crosspost.delivery.plan import classify
from crosspost.errors import TransportError
from crosspost.sandbox import SandboxServer
from crosspost.story.post import Post


@pytest.fixture(autouse=True)
def _fresh_shared_state() -> Iterator[None]:
    pacing.forget_pacers()
    tagcache.forget()
    yield
    pacing.forget_pacers()


def https_sandbox(factory: Callable[..., SandboxServer], ca: trustme.CA, *names: str,
                  **cert: Any) -> SandboxServer:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1",)), **cert).configure_cert(ctx)
    return factory("dw", tls=ctx)


def post_once(url: str) -> TransportError:
    account = Account(site="sandbox", username="writer", server=url, timeout=5.0)
    with Sandbox(account, lambda: "sandbox-key") as adapter, \
            pytest.raises(TransportError) as err:
        adapter.post(Post(target="t", subject="Rain", html="<p>It rained.</p>"), None)
    return err.value


def trust(ca: trustme.CA, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process trust ``ca``, as SSL_CERT_FILE does for a user."""
    bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


@pytest.mark.parametrize(("trusted", "names", "cert", "said", "fix"), [
    (False, (), {}, "unable to get local issuer certificate", "not signed by an authority"),
    (True, ("example.org",), {}, "mismatch", "`server` setting"),
    (True, (), {"not_after": datetime.now(UTC) - timedelta(days=2),
                "not_before": datetime.now(UTC) - timedelta(days=30)},
     "expired", "date and time"),
])
def test_bad_certificate_is_a_permanent_fault_naming_the_problem(
        sandbox_factory: Callable[..., SandboxServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, trusted: bool, names: tuple[str, ...],
        cert: dict[str, Any], said: str, fix: str) -> None:
    ca = trustme.CA()
    if trusted:
        trust(ca, tmp_path, monkeypatch)
    server = https_sandbox(sandbox_factory, ca, *names, **cert)
    assert server.url.startswith("https://")
    err = post_once(server.url)
    assert err.transient is False and err.maybe_committed is False
    assert "TLS certificate" in err.message and said in err.message
    assert fix in err.fix and "does not retry" in err.fix
    assert classify(err, "post") == "failed"
    assert server.stats.snapshot().get("requests", 0) == 0  # nothing reached the site


def test_a_certificate_this_computer_trusts_posts_over_https(
        sandbox_factory: Callable[..., SandboxServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    server = https_sandbox(sandbox_factory, ca)
    trust(ca, tmp_path, monkeypatch)  # what the fix tells a user to do
    account = Account(site="sandbox", username="writer", server=server.url, timeout=5.0)
    with Sandbox(account, lambda: "sandbox-key") as adapter:
        receipt = adapter.post(Post(target="t", subject="Rain", html="<p>x</p>"), None)
    assert receipt.status == "posted"


def test_post_reports_a_bad_certificate_as_failed_not_as_a_retry(
        tmp_path: Path, sandbox_factory: Callable[..., SandboxServer],
        sandbox_config_factory: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    server = https_sandbox(sandbox_factory, trustme.CA())
    cfg = sandbox_config_factory(server)
    story = write_story(tmp_path, "kettle", title="Kettle Song")
    code, out, err = run_main(capsys, "--config", str(cfg), "post", str(story),
                              "--to", "journal")
    assert code == 1, (out, err)
    assert re.search(r"^journal: failed \[delivery \d+\]: .*TLS certificate", out, re.M)
    assert "will retry" not in out and "not signed by an authority" in out


def test_https_connections_share_one_verifying_context_and_http_trusts_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    shared = tls_context("https")
    assert tls_context("https") is shared  # the certificate store is loaded once
    assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname
    assert shared.get_ca_certs() or shared.cert_store_stats()["x509_ca"]
    plain = tls_context("http")  # no TLS is spoken; if it ever were, nothing is trusted
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0
    trust(trustme.CA(), tmp_path, monkeypatch)  # a changed SSL_CERT_FILE is honoured
    assert tls_context("https") is not shared
