"""``crosspost sandbox``: run the local LJ-protocol sandbox site in the foreground."""

from __future__ import annotations

import signal
from pathlib import Path

import click


def default_state_file() -> Path:
    from platformdirs import user_data_path

    return user_data_path("crosspost") / "sandbox.json"


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int,
              help="Port to listen on (0 picks a free one).")
@click.option("--state", "state", type=click.Path(path_type=Path), default=None,
              help="State file (default: sandbox.json in the user data dir).")
@click.option("--memory", is_flag=True, help="Keep everything in memory (no state file).")
@click.option("--dialect", type=click.Choice(["dw", "lj", "ij"]), default="dw",
              show_default=True, help="Server code to imitate: Dreamwidth, LiveJournal, "
                                      "or an InsaneJournal-like old fork.")
@click.option("--latency-ms", default=0, show_default=True, type=int,
              help="Delay added to every request.")
@click.option("--fault-rate", default=0.0, show_default=True, type=float,
              help="Probability that a protocol request meets a random injected fault.")
@click.option("--rate-limit/--no-rate-limit", default=True, show_default=True,
              help="Dreamwidth's HTTP limit: 30 requests/min per IP, 100/min per session.")
@click.option("--rate-anon-per-min", default=30, show_default=True, type=int,
              help="Requests per minute per IP without a session cookie.")
@click.option("--rate-user-per-min", default=100, show_default=True, type=int,
              help="Requests per minute per user with a session cookie.")
@click.option("--seed", "rng_seed", type=int, default=None,
              help="Random seed (anums, injected faults).")
def sandbox_cmd(host: str, port: int, state: Path | None, memory: bool, dialect: str,
                latency_ms: int, fault_rate: float, rate_limit: bool, rate_anon_per_min: int,
                rate_user_per_min: int, rng_seed: int | None) -> None:
    """Run the local LJ-protocol sandbox site until Ctrl-C.

    Entries are kept in the state file across restarts; open the printed URL in a browser
    to read what was posted. Play the site's other people through its JSON control API:
    GET /_sandbox/queue, POST /_sandbox/approve {"modid": N} (or /reject), GET
    /_sandbox/entries?journal=NAME, GET /_sandbox/world, POST /_sandbox/faults (see
    docs/USER-GUIDE.md).
    """
    from crosspost.errors import UserError
    from crosspost.sandbox import SandboxServer

    state_file = None if memory else (state or default_state_file())
    try:
        server = SandboxServer(state_path=state_file, dialect=dialect, host=host, port=port,
                               latency_ms=latency_ms, fault_rate=fault_rate,
                               rate_limit=rate_limit, rate_anon_per_min=rate_anon_per_min,
                               rate_user_per_min=rate_user_per_min, rng_seed=rng_seed)
    except ValueError as exc:
        raise UserError(str(exc), fix="pass --state with another file, or --memory") from None
    try:
        server.start()
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                        fix="pick another --port (or --port 0 for any free one)") from None
    for line in describe(server, state_file):
        click.echo(line)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("sandbox stopped")
    finally:
        server.stop()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a service manager's stop ends the sandbox like Ctrl-C


def describe(server: object, state_file: Path | None) -> list[str]:
    """The banner: URL, accounts and communities."""
    from crosspost.sandbox import SandboxServer

    assert isinstance(server, SandboxServer)
    world = server.world
    lines = [f"crosspost sandbox ({server.dialect} dialect) at {server.url}",
             f"  XML-RPC endpoint: {server.xmlrpc_url}",
             f"  state: {state_file if state_file else 'in memory only'}"]
    with world.lock:
        users = [a for a in world.accounts.values() if not a.is_community]
        comms = [a for a in world.accounts.values() if a.is_community]
        lines.append("accounts:")
        for user in users:
            creds = []
            if user.api_keys:
                creds.append(f"API key {user.api_keys[0]}")
            if user.password:
                creds.append(f"password {user.password}")
            lines.append(f"  {user.name:<12} {', '.join(creds) or 'no login'}")
        lines.append("communities:")
        for comm in comms:
            notes = []
            if comm.moderated:
                notes.append("moderated")
            if comm.maintainers:
                notes.append(f"maintainers: {', '.join(comm.maintainers)}")
            members = [m for m in comm.members if m not in comm.maintainers]
            if members:
                notes.append(f"members: {', '.join(members)}")
            lines.append(f"  {comm.name:<12} {'; '.join(notes)}  {server.url}/{comm.name}/")
    if server.options.rate_limit:
        lines.append(f"rate limit: {server.options.rate_anon_per_min}/min per IP, "
                     f"{server.options.rate_user_per_min}/min per session (HTTP 429)")
    lines.append("Press Ctrl-C to stop.")
    return lines
