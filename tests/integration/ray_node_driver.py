"""A Ray driver of its own process for test_ray_nodes.py (a test process may already
hold another Ray). Places two restartable actors the way the supervisor places
replicas, prints their nodes, waits for a line on stdin (a node was killed), then
prints their nodes again once the head has seen a node go and both answer from
live nodes."""
import json
import sys
import time

import ray

from model_runners import ray_host


@ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=0.25)
class Where:
    def node(self) -> str:
        return ray.get_runtime_context().get_node_id()


def alive() -> list[str]:
    return sorted(node["NodeID"] for node in ray.nodes() if node["Alive"])


def main(address: str) -> None:
    ray.init(address=address, namespace="ray-node-test", log_to_driver=False)
    actors = [Where.options(scheduling_strategy=ray_host.spread_by_index(i)).remote() for i in range(2)]
    print("RESULT", json.dumps({"placed": ray.get([a.node.remote() for a in actors], timeout=120), "alive": alive()}),
          flush=True)
    nodes_before = len(alive())
    sys.stdin.readline()
    deadline = time.monotonic() + 150
    while len(alive()) == nodes_before and time.monotonic() < deadline:  # until the head sees it gone
        time.sleep(0.2)
    while time.monotonic() < deadline:
        try:
            nodes = ray.get([a.node.remote() for a in actors], timeout=10)
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            time.sleep(0.5)
            continue
        if set(nodes) <= set(alive()):
            print("RESULT", json.dumps({"placed": nodes, "alive": alive()}), flush=True)
            return
        time.sleep(0.5)
    print("RESULT", json.dumps({"error": "the actors were not placed again in time"}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
