"""The co-partitioning check: a request partition held without the scores partition of
its number is found (its requests could only end in 504s), and reported once it has
outlived a rebalance, on a fake clock."""
import pytest

from rendezvous.copartition import CopartitionWatch, described, unpaired

pytestmark = pytest.mark.timeout(10)


def held(*spec: str) -> set[tuple[str, int]]:
    """held("requests.iris:0,1", "scores:0,1") -> {(topic, partition), ...}"""
    out = set()
    for item in spec:
        topic, numbers = item.split(":")
        out.update((topic, int(n)) for n in numbers.split(","))
    return out


@pytest.mark.parametrize("assignment, expected", [
    (held("requests.iris:0,1", "scores:0,1"), set()),                      # range, co-partitioned
    (held("requests.iris:0,1", "requests.wine:0,1", "scores:0,1"), set()),  # every request topic alike
    (held("scores:0,1,2,3"), set()),                                         # no data type yet
    (set(), set()),
    # A member that subscribed to the request topic before the other did: it holds every
    # request partition, the other half of the scores (seen as half the requests in 504s).
    (held("requests.iris:0,1,2,3", "scores:2,3"), {("requests.iris", 0), ("requests.iris", 1)}),
    # Fully crossed: nothing this member reads can ever be answered.
    (held("requests.iris:0,1", "scores:2,3"), {("requests.iris", 0), ("requests.iris", 1)}),
    (held("requests.iris:2", "requests.wine:3", "scores:3"), {("requests.iris", 2)}),
])
def test_unpaired_finds_request_partitions_without_their_scores(assignment, expected):
    assert unpaired(assignment) == expected


def test_described_names_each_partition():
    assert described({("requests.iris", 1), ("requests.iris", 0), ("scores", 1)}) == "requests.iris[0, 1] scores[1]"
    assert described(set()) == "none"


def test_a_rebalance_moment_is_not_reported():
    watch = CopartitionWatch(grace_s=15)
    crossed = held("requests.iris:0,1", "scores:2,3")
    assert watch.check(crossed, now_s=100) == set()
    assert watch.current == {("requests.iris", 0), ("requests.iris", 1)}  # the metric sees it at once
    assert watch.check(held("requests.iris:0,1", "scores:0,1"), now_s=110) == set()  # settled
    assert watch.current == set()
    assert watch.check(crossed, now_s=120) == set()  # a new spell starts its own grace period
    assert watch.check(crossed, now_s=134) == set()


def test_a_standing_one_is_reported_once_per_grace_period():
    watch = CopartitionWatch(grace_s=15)
    crossed = held("requests.iris:0,1,2,3", "scores:2,3")
    assert watch.check(crossed, now_s=0) == set()
    assert watch.check(crossed, now_s=15) == {("requests.iris", 0), ("requests.iris", 1)}
    assert watch.check(crossed, now_s=16) == set()
    assert watch.check(crossed, now_s=30) == {("requests.iris", 0), ("requests.iris", 1)}
