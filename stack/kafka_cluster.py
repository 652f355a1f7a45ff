"""`stack up --brokers 3`: a Kafka cluster of several JVMs on loopback, each broker and
controller at once (KRaft combined mode), with a static quorum of every node as voter.

Three JVMs rather than six: on a small machine each JVM costs a heap and threads, and a
kill -9 of one still takes a broker and a controller voter with it, the harder case.
Each node is stack/broker.py's layout with its own id, ports, data and logs under the
run dir, formatted with one cluster id. Topics get replication factor 3 and
min.insync.replicas 2, so an acks=all write survives the loss of any one broker and
still succeeds with two of three in sync.

The brokers are started through the ProcessGroup like the services, not adopted: a
killed broker is started again by `stack up`'s restart loop, with the same
configuration, ports and data, and rejoins the in-sync replicas once it has caught up."""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stack import broker
from stack.broker_install import BrokerSetupError, ensure_jars, java_binary
from stack.embedded import free_port, wait_for_port
from stack.processes import ProcessGroup


def replication(brokers: int) -> tuple[int, int]:
    """(replication factor, min.insync.replicas) for a cluster of this size: three
    copies where there are three brokers, and a write acknowledged by all but one."""
    factor = min(brokers, 3)
    return factor, max(1, factor - 1)


def node_settings(brokers: int) -> tuple[tuple[str, str], ...]:
    """What a cluster's node sets over the single node's shared file: every topic,
    internal ones included, replicated, so no topic lives on one broker only; and a
    broker that stops heartbeating fenced after 6 s rather than Kafka's 9 s, since its
    partitions have no leader until then. Heartbeats stay Kafka's (every 2 s): at 1 s
    they timed out on a starved machine and the brokers lost their controller."""
    factor, min_isr = str(replication(brokers)[0]), str(replication(brokers)[1])
    return (("broker.session.timeout.ms", "6000"),
            ("default.replication.factor", factor), ("min.insync.replicas", min_isr),
            ("offsets.topic.replication.factor", factor),
            ("transaction.state.log.replication.factor", factor), ("transaction.state.log.min.isr", min_isr),
            ("share.coordinator.state.topic.replication.factor", factor),
            ("share.coordinator.state.topic.min.isr", min_isr))


@dataclass(frozen=True)
class KafkaCluster:
    nodes: tuple[broker.BrokerLayout, ...]

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    @staticmethod
    def name(node: broker.BrokerLayout) -> str:
        """The process name `stack up` prints and a fault looks up: broker-<node id>."""
        return f"broker-{node.node_id}"


def plan(home: Path, brokers: int) -> KafkaCluster:
    """Every node's layout, with fresh loopback ports: the static quorum names the
    voters by id and address, and is written into every node's configuration at start,
    so a home formatted before keeps its data when the ports move."""
    ports: list[int] = []
    while len(ports) < 2 * brokers:
        port = free_port()
        if port not in ports:
            ports.append(port)
    voters = ",".join(f"{n + 1}@127.0.0.1:{ports[2 * n + 1]}" for n in range(brokers))
    return KafkaCluster(tuple(
        broker.BrokerLayout(home / f"broker-{n + 1}", ports[2 * n], ports[2 * n + 1], node_id=n + 1,
                            voters=voters, overrides=node_settings(brokers))
        for n in range(brokers)))


def start(home: Path, logs: Path, group: ProcessGroup, brokers: int = 3, timeout: float = 180.0,
          say=print) -> KafkaCluster:
    """Format and start every node under `group` (restarted like a service when it
    dies), and return once all of them answer metadata requests."""
    java, libs = java_binary(), ensure_jars(say)
    cluster = plan(home, brokers)
    cluster_id = broker.new_cluster_id()  # used only by nodes not formatted yet
    for node in cluster.nodes:
        node.home.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(brokers) as pool:  # three storage formats, each a JVM start
        list(pool.map(lambda node: broker.prepare(node, java, libs, cluster_id), cluster.nodes))
    for node in cluster.nodes:
        node_logs = logs / KafkaCluster.name(node)
        node_logs.mkdir(parents=True, exist_ok=True)
        command = broker.java_command(java, libs, node_logs, "kafka.Kafka", str(node.config),
                                      heap=broker.CLUSTER_HEAP)
        group.start(KafkaCluster.name(node), command, os.environ.copy(), node_logs / "broker.out")
    try:
        for node in cluster.nodes:
            wait_for_port(node.port, timeout)
        broker.wait_until_answers(cluster.bootstrap, timeout, brokers=brokers)
    except Exception as exc:
        raise BrokerSetupError(f"the {brokers}-broker cluster did not start ({exc}); see "
                               f"{logs}/broker-*/broker.log") from exc
    return cluster


def bootstrap_of(run_dir: Path) -> str:
    """The bootstrap servers of the cluster a `stack up` runs under `run_dir`, from its
    nodes' configurations (for a tool that was not given KAFKA_BOOTSTRAP)."""
    listeners = sorted(run_dir.glob("kafka-*/broker-*/server.properties"))
    found = [re.search(r"^advertised\.listeners=PLAINTEXT://(\S+)$", path.read_text(), re.M) for path in listeners]
    if not listeners or not all(found):
        raise LookupError(f"no Kafka cluster's configuration under {run_dir}")
    return ",".join(match.group(1) for match in found)
