"""Percentile math: nearest rank, summaries, per-second buckets, the live histogram."""

import math
import random

import pytest

from loadtest.stats import LogHistogram, latency_summary, per_second_summaries, percentile

pytestmark = pytest.mark.timeout(30)


def test_nearest_rank_on_one_to_hundred():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 90) == 90
    assert percentile(values, 99) == 99
    assert percentile(values, 99.9) == 100
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1


def test_p99_9_of_a_thousand_is_not_pushed_up_by_float_noise():
    values = list(range(1, 1001))
    assert percentile(values, 99.9) == 999  # 99.9/100*1000 is 999.0000000000001


def test_small_samples():
    assert percentile([], 50) is None
    assert percentile([7.0], 50) == 7.0 and percentile([7.0], 99.9) == 7.0
    assert percentile([1, 2], 50) == 1 and percentile([1, 2], 51) == 2


def test_out_of_range_percentile_is_rejected():
    with pytest.raises(ValueError):
        percentile([1, 2, 3], 101)


def test_latency_summary_sorts_and_reports():
    summary = latency_summary([5.0, 1.0, 3.0, 2.0, 4.0])
    assert summary == {"count": 5, "mean": 3.0, "p50": 3.0, "p90": 5.0, "p99": 5.0, "p99.9": 5.0, "max": 5.0}
    empty = latency_summary([])
    assert empty["count"] == 0 and empty["p50"] is None and empty["max"] is None


def test_per_second_buckets_by_floor_of_time():
    points = [(0.1, 1.0), (0.9, 3.0), (1.0, 10.0), (2.5, 7.0), (2.6, 9.0)]
    series = per_second_summaries(points)
    assert [b["second"] for b in series] == [0, 1, 2]
    assert [b["count"] for b in series] == [2, 1, 2]
    assert series[0]["p50"] == 1.0 and series[0]["p99"] == 3.0 and series[2]["max"] == 9.0


def test_log_histogram_is_within_its_bucket_width_of_exact():
    rng = random.Random(7)
    values = [rng.lognormvariate(0, 1.5) for _ in range(20_000)]
    histogram = LogHistogram()
    for value in values:
        histogram.add(value)
    ordered = sorted(values)
    width = math.exp(1 / LogHistogram.BUCKETS_PER_E)
    for q in (50, 90, 99, 99.9):
        exact = percentile(ordered, q)
        assert exact <= histogram.percentile(q) <= exact * width * 1.0001


def test_log_histogram_empty_and_tiny_values():
    histogram = LogHistogram()
    assert histogram.percentile(50) is None
    histogram.add(0.0)  # clamped to the floor instead of log(0)
    assert histogram.percentile(50) == pytest.approx(LogHistogram.FLOOR_MS, rel=0.03)
