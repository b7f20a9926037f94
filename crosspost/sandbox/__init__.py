"""The sandbox site: a local LJ-protocol server that follows the reference faithfully.

It is what the tests post to over real HTTP, what ``crosspost sandbox`` runs, and what the
README's first command uses.

``SandboxServer(state_path=None, dialect="dw", host="127.0.0.1", port=0, seed=True,
tls=None, **options)`` (options: :class:`SandboxOptions`; ``tls``: a server-side
``ssl.SSLContext`` to serve HTTPS with the certificate a test chooses) — ``.start()`` /
``.stop()`` / context manager, ``.url``, ``.xmlrpc_url``, ``.world`` (:class:`World`: ``add_user``,
``add_community``, ``add_tags``, ``set_role``, ``update``, ``list_entries``, ``queued``),
``.faults`` (:class:`Faults`: ``add(kind, method, count=/rate=/after=/retry_after=/
delay_ms=/code=)``, ``configure(json)``, ``clear()``), ``.stats.snapshot()``,
``.set_rate_limit(...)``, ``.set_readonly()``, ``.approve(modid)`` / ``.reject(modid)``.
Dialects: ``dw`` (Dreamwidth code), ``lj`` (LiveJournal 2014 code), ``ij`` (an old
LJ fork like InsaneJournal: no ``adult_content``, new tags dropped silently, 153 for posts
back in time). The same control is available over HTTP under ``/_sandbox/`` (see
:mod:`crosspost.sandbox.server`).

The seeded demo world: user ``writer`` (API key ``sandbox-key``, password
``sandbox-password``), ``reader`` (password only: no API key, so DW challenge auth always
fails for it), ``mod`` (API key ``mod-key``); communities ``fluffyfics`` (members post;
writer and reader are members, mod maintains it), ``modfics`` (moderated; writer a member),
``closedfics`` (writer is not a member), ``writersden`` (writer maintains it). Their tags
count as used once on a public entry, so members see them in ``getusertags``.
"""

from __future__ import annotations

from .faults import Faults, Rule
from .options import SandboxOptions
from .server import SandboxServer
from .world import Account, Entry, World

__all__ = ["Account", "Entry", "Faults", "Rule", "SandboxOptions", "SandboxServer", "World"]
