"""The LJ-protocol adapter family (XML-RPC at ``/interface/xmlrpc``).

Layers, bottom up:

- :mod:`.wire`: XML-RPC encoding and the servers' serialisation quirks;
- :mod:`.transport`: one kept-alive httpx client, timeouts, HTTP-level errors;
- :mod:`.pacing`: process-wide request budgets per server and bucket;
- :mod:`.auth`: challenge-response and session (cookie) authentication;
- :mod:`.faults`: protocol faults → :mod:`crosspost.errors`, per dialect;
- :mod:`.client`: one account's authenticated, paced calls;
- :mod:`.props`, :mod:`.tagcache`, :mod:`.tagging`, :mod:`.reading`: pure helpers for
  props, community tags and recognising our entries;
- :mod:`.adapter`: :class:`~.adapter.LJAdapter`, the :class:`crosspost.adapter.Adapter`;
- :mod:`.sites`: the registered presets (Dreamwidth, LiveJournal, InsaneJournal,
  GenericLJ, Sandbox) and :mod:`.profile`, what distinguishes them.

Importing this package imports nothing heavy; the presets load httpx when imported.
"""
