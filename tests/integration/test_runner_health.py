"""The supervisor's health checks on a real local Ray: a replica killed with kill -9
is seen to die and come back (Ray restarts it), and a replica that hangs (SIGSTOP of
its process: no answer, but Ray still counts it alive) is killed and comes back."""
import os
import signal
import time

import pytest

from common import codec, topics
from common.kafka import ensure_topics
from helpers import wait_until
from model_runners import ray_host
from model_runners.health import ReplicaHealth
from stack import demo

pytestmark = pytest.mark.timeout(240)
INTERVAL_S, TIMEOUT_S = 0.5, 3.0


def events_until(health, replicas, wanted: str, timeout: float) -> list[str]:
    """Check until an event of kind `wanted` is seen; returns the kinds seen."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += [e.kind for e in health.check(replicas, time.monotonic())]
        if wanted in seen:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"no {wanted!r} event within {timeout:g} s; saw {seen}")


def test_a_dead_and_a_stuck_replica_are_noticed_and_come_back(infra, unique, ray_local):
    forest, _ = demo.iris_models(version=unique)
    forest = demo.descriptor(forest.name, forest.version, forest.inline_bytes, forest.quality, forest.role,
                             data_type=f"iris{unique}")
    ensure_topics(infra, [*topics.CORE_TOPICS, topics.requests_topic(forest.data_type)])
    handle = ray_host.start_replica(forest, codec.encode_descriptor(forest), infra.model_dump(), 0)
    replicas = {(forest.key, 0): handle}
    health = ReplicaHealth(INTERVAL_S, TIMEOUT_S)
    stopped_pid = None
    try:
        assert wait_until(lambda: ray_host.poll_ready(handle)[0], timeout=90)
        assert ray_host.poll_ready(handle) == (True, "")
        # Healthy: pings are answered, nothing to report.
        assert events_for(health, replicas, seconds=3) == []

        state, restarts, pid = ray_host.actor_state(handle)
        assert state == "ALIVE" and pid > 0
        os.kill(pid, signal.SIGKILL)
        assert events_until(health, replicas, "back", timeout=90) == ["died", "back"]
        assert ray_host.actor_state(handle)[1] == restarts + 1

        stopped_pid = ray_host.actor_state(handle)[2]
        os.kill(stopped_pid, signal.SIGSTOP)
        seen = events_until(health, replicas, "back", timeout=120)
        assert seen[0] == "stuck" and seen[-1] == "back"
        assert not _alive(stopped_pid), "the stuck process was killed"
        assert ray_host.actor_state(handle)[2] != stopped_pid
    finally:
        if stopped_pid and _alive(stopped_pid):
            os.kill(stopped_pid, signal.SIGCONT)
        ray_host.stop_replica(handle)


def events_for(health, replicas, seconds: float) -> list[str]:
    seen, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        seen += [e.kind for e in health.check(replicas, time.monotonic())]
        time.sleep(0.2)
    return seen


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
