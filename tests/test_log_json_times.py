"""JSON log lines carry their time in ISO 8601, with the UTC offset."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from crosspost.logs import JsonLines


def test_json_log_time_is_iso_8601_with_an_offset() -> None:
    record = logging.LogRecord("crosspost.x", logging.INFO, __file__, 1, "posted %s", ("a",),
                               None)
    data = json.loads(JsonLines().format(record))
    when = datetime.fromisoformat(data["time"])
    assert when.tzinfo is not None
    assert abs(when.timestamp() - record.created) < 0.002
    assert data["message"] == "posted a"
