"""``is_fence``: which lines are header fences / scene breaks."""

from __future__ import annotations

import pytest

from crosspost.story.parse.fences import is_fence


@pytest.mark.parametrize("line", [
    "***", "* * *", "---", "~~~", "-----", "___", "###", "=====", "+++", "~*~*~", "-=-=-",
    "  ***  ", "*\t*\t*", "• • •", "———", "— — —", "oOo", "xXx", "<hr>", "<HR />", "*" * 100,
])
def test_common_fences(line: str) -> None:
    assert is_fence(line)


@pytest.mark.parametrize("line", [
    "", "**", "--", "* *", "***bold***", "- item", "# Heading", "### Chapter One",
    "-->", "...", "Title: x", "ooo", "*" * 200, "— — —x",
])
def test_not_fences(line: str) -> None:
    assert not is_fence(line)
