"""What crosspost remembers: one SQLite file (no HTTP here).

- :mod:`.registry` — :class:`~.registry.Registry`, the state file's one door;
- :mod:`.schema` — the tables and their migrations;
- :mod:`.records` — the rows as values (``Delivery``, ``Intent``) and the ``Decision`` a
  claim records;
- :mod:`.claims` — recording a claim in the same transaction as its decision;
- :mod:`.lock` — the daemon lock and claim owners.
"""
