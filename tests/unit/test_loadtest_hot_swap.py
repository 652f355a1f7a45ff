"""The hot swap's windows: latency before, during and after a swap, from a ledger."""

import pytest

from loadtest.peers.hot_swap import swap_windows

pytestmark = pytest.mark.timeout(10)


def entry(at, latency, status=200, version="1", warmup=False):
    return {"client_id": f"c{at}", "scheduled_at": at, "latency_ms": latency, "status": status, "warmup": warmup,
            "model_name": "bench3-forest", "model_version": version}


def ledger(before=10.0, during=30.0, after=12.0):
    """100 requests a second: 0-10 s before the swap, 10-15 s during it, 15-20 s after."""
    rows = [entry(t / 100, before if t % 50 else before * 2) for t in range(0, 1000)]
    rows += [entry(t / 100, during) for t in range(1000, 1500)]
    rows += [entry(t / 100, after, version="2") for t in range(1500, 2000)]
    return rows


def test_each_window_has_its_own_percentiles_and_the_ratio_is_the_worst_over_before():
    swap = swap_windows(ledger(), published_at=10.0, swapped_at=15.0)
    before, during, after = (swap["windows"][n] for n in ("before", "during", "after"))
    assert (before["count"], during["count"], after["count"]) == (1000, 500, 500)
    assert before["p50"] == 10.0 and before["p99"] == 20.0  # 2% of "before" took twice as long
    assert during["p99"] == 30.0 and after["p99"] == 12.0
    assert swap["ratio"] == 1.5
    assert swap["versions"] == {"bench3-forest:1": 1500, "bench3-forest:2": 500}
    assert before["seconds"] == pytest.approx(9.99) and after["seconds"] == pytest.approx(4.99)
    assert not swap["overloaded_before"]


def test_warmup_is_left_out_and_timeouts_are_counted():
    rows = [entry(0.0, 500.0, warmup=True)] + ledger()
    rows[1500]["status"] = 504
    swap = swap_windows(rows, 10.0, 15.0)
    assert swap["windows"]["before"]["count"] == 1000 and swap["windows"]["during"]["not_official"] == 1


def test_no_ratio_when_a_window_is_empty():
    swap = swap_windows(ledger(), published_at=10.0, swapped_at=25.0)  # the swap outlasted the load
    assert swap["windows"]["after"]["count"] == 0 and swap["ratio"] is None


def test_a_platform_already_overloaded_before_the_swap_is_called_out():
    rows = ledger()
    for row in rows[:60]:  # 6% of "before" timed out
        row["status"] = 504
    assert swap_windows(rows, 10.0, 15.0)["overloaded_before"]
