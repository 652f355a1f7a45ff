"""The open-loop schedule: pure timing math, no clocks."""

import pytest

from loadtest.schedule import LATE_SEND_P99_MS, due_count, pace, planned_send_count, send_offset

pytestmark = pytest.mark.timeout(30)


def schedule_send_times(rate, duration_s, max_requests=None):
    """The whole schedule as offsets in seconds."""
    return [send_offset(index, rate) for index in range(planned_send_count(rate, duration_s, max_requests))]


def test_schedule_is_evenly_spaced_and_stops_before_duration():
    assert schedule_send_times(rate=4, duration_s=1) == [0.0, 0.25, 0.5, 0.75]
    times = schedule_send_times(rate=1000, duration_s=2)
    assert len(times) == 2000 and times[-1] == pytest.approx(1.999)


def test_request_cap_shortens_the_schedule():
    assert schedule_send_times(rate=4, duration_s=10, max_requests=3) == [0.0, 0.25, 0.5]
    assert planned_send_count(rate=100, duration_s=1, max_requests=1000) == 100


def test_counts_are_not_inflated_by_float_noise():
    assert planned_send_count(rate=10, duration_s=0.3) == 3  # 0.3 * 10 = 3.0000000000000004
    assert planned_send_count(rate=3, duration_s=1) == 3
    assert planned_send_count(rate=0.5, duration_s=3) == 2  # sends at 0 s and 2 s


def test_due_count_includes_the_request_due_right_now():
    assert due_count(elapsed_s=-0.001, rate=4, total=10) == 0
    assert due_count(elapsed_s=0.0, rate=4, total=10) == 1
    assert due_count(elapsed_s=0.2499, rate=4, total=10) == 1
    assert due_count(elapsed_s=0.25, rate=4, total=10) == 2
    assert due_count(elapsed_s=0.7, rate=10, total=100) == 8  # 0.7 * 10 = 7.000000000000001


def test_a_stalled_driver_catches_up_with_everything_due():
    # After a 1-second stall at 100/s, all 101 requests are due at once: the
    # driver sends them all, stamped with their scheduled times.
    assert due_count(elapsed_s=1.0, rate=100, total=1000) == 101
    assert due_count(elapsed_s=50.0, rate=100, total=1000) == 1000


def test_send_offset_and_due_count_agree():
    rate = 333.0
    for index in range(0, 1000, 37):
        assert due_count(send_offset(index, rate), rate, 10_000) == index + 1


def test_non_positive_rate_is_rejected():
    with pytest.raises(ValueError):
        planned_send_count(rate=0, duration_s=1)


# Was the schedule kept? ----------------------------------------------------------------
def on_time(rate, start, end, lag_s=0.0):
    return [(due, due + lag_s) for due in schedule_send_times(rate, end)[int(start * rate):]]


def test_a_kept_schedule_is_held():
    result = pace(100, 100, (0.0, 1.0), on_time(100, 0.0, 1.0, lag_s=0.001))
    assert result["held"] and result["achieved_per_s"] == pytest.approx(100.0)
    assert result["send_lag_ms"]["p99"] == pytest.approx(1.0)
    assert result["verdict"].startswith("held: 100.0 of 100.0 req/s offered (100 of 100 due requests sent)")


def test_shed_requests_lower_the_achieved_rate():
    sends = on_time(100, 0.0, 1.0)[:80]  # 20 were due but shed by the client
    result = pace(100, 100, (0.0, 1.0), sends)
    assert not result["held"] and result["achieved_per_s"] == pytest.approx(80.0)
    assert result["verdict"].startswith("NOT HELD: 80.0 of 100.0 req/s offered (80 of 100 due")


def test_late_sends_stretch_the_window_and_fail_the_verdict():
    # A client that falls further behind with every send: the last leaves 0.5 s late.
    sends = [(due, due * 1.5) for due, _ in on_time(100, 0.0, 1.0)]
    result = pace(100, 100, (0.0, 1.0), sends)
    assert result["achieved_per_s"] == pytest.approx(100 / 1.485, rel=0.01)
    assert result["send_lag_ms"]["max"] == pytest.approx(495.0)
    assert not result["held"] and "ms late" in result["verdict"]


def test_a_steady_small_lag_within_the_limit_is_held_but_a_larger_one_is_not():
    assert pace(100, 100, (0.0, 1.0), on_time(100, 0.0, 1.0, lag_s=LATE_SEND_P99_MS / 1000 * 0.9))["held"]
    assert not pace(100, 100, (0.0, 1.0), on_time(100, 0.0, 1.0, lag_s=LATE_SEND_P99_MS / 1000 * 1.5))["held"]


def test_no_sends_at_all():
    result = pace(100, 100, (0.0, 1.0), [])
    assert not result["held"] and result["achieved_per_s"] == 0.0 and result["send_lag_ms"]["p99"] is None
