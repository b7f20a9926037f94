"""The base of every config table: a key the table does not know is an error (reported
with "did you mean" by :mod:`crosspost.config.checks`), never silently ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
