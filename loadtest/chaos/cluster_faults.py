"""The faults of the matrix that need more than one machine's worth of parts: a broker
of a three-broker KRaft cluster, and a Ray worker node. Each kills by PID, and finds
that PID only among the processes its own `stack up` started (docs/decisions/019)."""
from __future__ import annotations

import os
import signal

from common import topics
from common.kafka import partition_leaders
from common.settings import InfraSettings
from loadtest.chaos.fault import Fault, Platform
from stack import kafka_cluster, ray_nodes

# The demo data type's request topic: every gateway writes to it and every replica reads it.
REQUEST_TOPIC = topics.requests_topic("iris")
PARTITION = 0


def kill_request_partition_leader(platform: Platform) -> None:
    """SIGKILL the broker that leads partition 0 of the request topic, as the cluster's
    metadata names it at this moment."""
    bootstrap = platform.env.get("KAFKA_BOOTSTRAP") or kafka_cluster.bootstrap_of(platform.run_dir)
    leader = partition_leaders(InfraSettings(kafka_bootstrap=bootstrap), REQUEST_TOPIC)[PARTITION]
    name = f"broker-{leader}"
    pid = platform.pid_of(name)
    os.kill(pid, signal.SIGKILL)
    platform.say(f"killed {name} (pid {pid}), the leader of {REQUEST_TOPIC}[{PARTITION}]")


def kill_ray_worker_node(platform: Platform) -> None:
    """SIGKILL the raylet of worker node 1: its `ray start --block` then ends the rest
    of that node, as if the machine were gone."""
    pid = ray_nodes.raylet_pid(platform.pid_of("ray-worker-1"))
    os.kill(pid, signal.SIGKILL)
    platform.say(f"killed the raylet of ray-worker-1 (pid {pid})")


CLUSTER_FAULTS: list[Fault] = [
    Fault("kill -9 of a request partition's leader (3-broker KRaft cluster)", kill_request_partition_leader,
          up_args=("--brokers", "3"),
          notes=["replication factor 3, min.insync.replicas 2, producers acks=all and idempotent",
                 "`stack up` starts the killed broker again; it rejoins the in-sync replicas"]),
    Fault("kill -9 of a Ray worker node (its raylet)", kill_ray_worker_node,
          up_args=("--ray-worker-nodes", "1"),
          notes=["one replica of each demo model per node; the node is not started again",
                 "its replicas are placed again on the head (actor max_restarts)"]),
]
