"""``iso`` formats whole seconds from a small cache: the same text as formatting each time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_server.timestamps import iso


@pytest.mark.parametrize(
    "ts", [0, 1.999, -0.5, -1.2, 1764600000.0, 1764600000.7, 1711800001.9999995, 1e10 + 0.3]
)
def test_iso_seconds_are_the_datetime_text(ts):
    expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
    assert iso(ts) == expected.replace("+00:00", "Z")
    assert iso(ts, "milliseconds") == datetime.fromtimestamp(ts, UTC).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
