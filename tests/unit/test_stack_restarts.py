"""`stack up` restarts an adopted server that has a way to restart (Redis), like the
services, and gives up on one that has none (the broker) or that dies too often."""
import signal
import subprocess
import sys

import pytest

from stack.processes import RESTARTS_PER_MINUTE, ProcessGroup

pytestmark = pytest.mark.timeout(30)


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)


def test_an_adopted_server_with_a_restart_comes_back_and_one_without_does_not():
    group = ProcessGroup()
    group.adopt("broker", sleeper())
    group.adopt("redis", sleeper(), restart=sleeper)
    try:
        first = group.pid("redis")
        for name in ("broker", "redis"):
            group._procs[name].send_signal(signal.SIGKILL)
            group._procs[name].wait(5)
        assert group.first_dead() == "broker"
        assert not group.restart_if_allowed("broker")
        assert group.restart_if_allowed("redis")
        assert group.pid("redis") != first and group._procs["redis"].poll() is None
    finally:
        group.stop_all(timeout=5)


def test_a_server_that_dies_too_often_is_given_up():
    group = ProcessGroup()
    group.adopt("redis", sleeper(), restart=sleeper)
    try:
        assert all(group.restart_if_allowed("redis") for _ in range(RESTARTS_PER_MINUTE))
        assert not group.restart_if_allowed("redis")
    finally:
        group.stop_all(timeout=5)
