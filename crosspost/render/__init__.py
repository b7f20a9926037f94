"""Story + target config → the exact post a target receives (no network).

Public API: :func:`render_post`, :func:`body_html`, :func:`fill` (and ``compose``, the pure
core of ``render_post`` with the cut markup and site limits given).
"""

from __future__ import annotations

from crosspost.render.body import body_html
from crosspost.render.post import compose, render_post
from crosspost.story.template import TemplateError, fill

__all__ = ["TemplateError", "body_html", "compose", "fill", "render_post"]
