"""Only offsets before the oldest message still needed may be committed."""
import pytest

from rendezvous.offsets import OffsetTracker

pytestmark = pytest.mark.timeout(10)
TP = ("requests.iris", 0)


def test_commits_up_to_the_oldest_held_message():
    t = OffsetTracker()
    for offset in range(5):
        t.seen(TP, offset)
        t.hold(TP, offset)
    t.release(TP, 0)
    t.release(TP, 2)
    assert t.advanced() == [("requests.iris", 0, 1)]
    t.release(TP, 1)
    assert t.advanced() == [("requests.iris", 0, 3)]
    assert t.advanced() == []  # nothing moved
    t.release(TP, 3)
    t.release(TP, 4)
    assert t.advanced() == [("requests.iris", 0, 5)]


def test_a_message_held_twice_needs_two_releases():
    t = OffsetTracker()
    t.seen(TP, 0)
    t.hold(TP, 0)
    t.hold(TP, 0)
    t.release(TP, 0)
    assert t.advanced() == [("requests.iris", 0, 0)]
    t.release(TP, 0)
    assert t.advanced() == [("requests.iris", 0, 1)]


def test_revoked_partitions_are_forgotten():
    t = OffsetTracker()
    t.seen(TP, 7)
    t.hold(TP, 7)
    t.forget([TP])
    assert t.advanced() == []
