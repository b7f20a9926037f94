"""Community workflows on top of the delivery engine, one module per workflow.

- :mod:`.rules` — a community's posting rules (required fields, word count range, cut,
  ratings, the most tags, subject text), checked before any request is sent;
- :mod:`.split` — a story too long for a site, split into parts ("Title (Part 1 of 3)");
- :mod:`.tables` — prompt tables and their table posts;
- :mod:`.masterlists` — index entries of the writer's stories;
- :mod:`.series` — previous / index / next links in the parts of a series;
- :mod:`.derived` — how a derived entry (table post, masterlist) is delivered;
- :mod:`.sync` — after a batch: every derived entry brought up to date once.

The CLI and the daemon give the publisher :func:`check_rules` (``vet``) and
:func:`split_for` (``expand``), and call :func:`.sync.sync_derived` after each batch.

Word-count bands as tags are a tag rule (``tags.word_count_bands``), rendered with the other
tags by :mod:`crosspost.render.tags`.
"""

from __future__ import annotations

from crosspost.workflows.rules import RuleError, check_rules, rule_problems
from crosspost.workflows.split import split_for

__all__ = ["RuleError", "check_rules", "rule_problems", "split_for"]
