"""The stats worker's stall watch: stalled means ready, records waiting, and no progress
(nothing folded, nothing committed) for stall_s; anything else resets it."""
from stats.watchdog import StallWatch


def test_waiting_records_and_no_progress_for_stall_s_is_a_stall():
    watch = StallWatch(stall_s=60)
    assert watch.observe(0, lag=5, progress=(0,)) is None
    assert watch.observe(59, lag=9, progress=(0,)) is None
    assert watch.observe(61, lag=9, progress=(0,)) == 61


def test_progress_resets_the_clock():
    watch = StallWatch(stall_s=60)
    watch.observe(0, lag=5, progress=(0,))
    assert watch.observe(50, lag=5, progress=(1,)) is None  # folded or committed something
    assert watch.observe(100, lag=5, progress=(1,)) is None
    assert watch.observe(110, lag=5, progress=(1,)) == 60


def test_an_idle_worker_is_not_stalled():
    watch = StallWatch(stall_s=60)
    watch.observe(0, lag=0, progress=(0,))
    assert watch.observe(1000, lag=0, progress=(0,)) is None  # nothing to read
    # Records arrive: the clock runs from the last check that found nothing to read.
    assert watch.observe(1001, lag=3, progress=(0,)) is None
    assert watch.observe(1059, lag=3, progress=(0,)) is None
    assert watch.observe(1060, lag=3, progress=(0,)) == 60


def test_a_worker_recovering_its_tables_is_not_stalled():
    watch = StallWatch(stall_s=60)
    watch.observe(0, lag=5, progress=(0,))
    watch.not_ready()  # recovery: its sources are paused by design
    assert watch.observe(100, lag=5, progress=(0,)) is None
    assert watch.observe(161, lag=5, progress=(0,)) == 61
