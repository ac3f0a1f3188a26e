"""The JSON formatter's timestamp, formatted once per second, is the one datetime would give."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from integrations.logging_setup import _timestamp


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False, allow_infinity=False))
def test_the_timestamp_is_datetimes_to_the_millisecond(created):
    assert _timestamp(created) == datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


@given(
    st.integers(min_value=1_700_000_000, max_value=1_800_000_000),
    st.sampled_from([0.0, 0.0004, 0.0005, 0.9994, 0.9995, 0.9999995]),
)
def test_seconds_in_turn_and_their_edges(second, fraction):
    for created in (second + fraction, second + 1 + fraction, second + fraction):  # the cached second changes back and forth
        assert _timestamp(created) == datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
