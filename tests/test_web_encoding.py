from __future__ import annotations

import pytest

from sms_balance_exporter.exposition import accepts_gzip


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, identity", False),
        ("*", True),
        ("*;q=0", False),
        ("identity", False),
        ("", False),
        ("gzip;q=nonsense", False),
        ("GZIP;Q=1", True),
    ],
)
def test_accept_encoding_q_values(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected
