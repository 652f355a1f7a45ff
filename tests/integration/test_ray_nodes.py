"""`stack up --ray-worker-nodes 1`'s Ray: a head and a worker node of the platform's own,
each a `ray start` stopped by its PID. Replicas are spread over both; kill -9 of the
worker's raylet ends that node, and its replicas are placed again on the head."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from stack import ray_nodes
from stack.processes import ProcessGroup

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(420)]
ROOT = Path(__file__).resolve().parents[2]


def test_a_lost_worker_nodes_replicas_are_placed_again_on_the_head(tmp_path):
    heads, workers = ProcessGroup(), ProcessGroup()
    driver = None
    try:
        env = ray_nodes.start_cluster(tmp_path, tmp_path, heads, workers, 1, 2, say=lambda _: None)
        driver = subprocess.Popen([sys.executable, str(ROOT / "tests/integration/ray_node_driver.py"),
                                   env["RAY_ADDRESS"]], env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  stderr=open(tmp_path / "driver.log", "w"))
        before = result(driver)
        assert len(before["alive"]) == 2 and sorted(before["placed"]) == before["alive"]  # one on each node

        worker = workers.pid("ray-worker-1")
        os.kill(ray_nodes.raylet_pid(worker), signal.SIGKILL)
        driver.stdin.write("killed\n")
        driver.stdin.flush()
        after = result(driver)
        assert "error" not in after, after
        assert len(after["alive"]) == 1 and set(after["placed"]) == set(after["alive"])
        assert after["alive"][0] in before["placed"]  # the head, which was there all along
        assert workers.first_dead() == "ray-worker-1"  # `ray start --block` ended the rest of the node
        assert heads.first_dead() is None
    finally:
        if driver is not None:
            driver.kill()
            driver.wait(10)
        workers.stop_all()
        heads.stop_all()
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]


def result(driver: subprocess.Popen) -> dict:
    """The driver's next result line; Ray may print lines of its own to stdout."""
    for line in driver.stdout:
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise AssertionError(f"the driver ended with {driver.wait(10)} before its result")
