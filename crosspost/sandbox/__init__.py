"""The sandbox site: a local LJ-protocol server that follows the reference faithfully.

It is what the tests post to over real HTTP, what ``crosspost sandbox`` runs, and what the
README's first command uses. See :class:`SandboxServer`; the seeded demo world has user
``writer`` (API key ``sandbox-key``, password ``sandbox-password``), ``reader`` (password
only), ``mod`` (API key ``mod-key``), and communities ``fluffyfics`` (members post),
``modfics`` (moderated), ``closedfics`` (writer not a member), ``writersden`` (writer
maintains it).
"""

from __future__ import annotations

from .faults import Faults, Rule
from .options import SandboxOptions
from .server import SandboxServer
from .world import Account, Entry, World

__all__ = ["Account", "Entry", "Faults", "Rule", "SandboxOptions", "SandboxServer", "World"]
