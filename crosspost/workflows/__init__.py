"""Community workflows on top of the delivery engine, one module per workflow.

- :mod:`.rules` — a community's posting rules (required fields, word count range, cut,
  ratings, the most tags, subject text), checked before any request is sent.

Word-count bands as tags are a tag rule (``tags.word_count_bands``), rendered with the other
tags by :mod:`crosspost.render.tags`.
"""

from __future__ import annotations

from crosspost.workflows.rules import RuleError, check_rules, rule_problems

__all__ = ["RuleError", "check_rules", "rule_problems"]
