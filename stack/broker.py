"""The embedded broker: a single-node Apache Kafka in KRaft mode (broker and controller
in one JVM) on loopback. Its storage is formatted once under its home folder, its heap
is small, and its own log rolls and is capped (stack/kafka/log4j2.xml). The settings
it shares with docker-compose.yml are in stack/kafka/broker.properties."""
from __future__ import annotations

import base64
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from stack.broker_install import KAFKA_DIR, BrokerSetupError, ensure_jars, java_binary
from stack.embedded import free_port, port_free, wait_for_port

SHARED_PROPERTIES = KAFKA_DIR / "broker.properties"
LOG4J2 = KAFKA_DIR / "log4j2.xml"
HEAP = ("-Xms512m", "-Xmx512m")
# One heap of a three-broker cluster (stack/kafka_cluster.py): three JVMs share the machine.
CLUSTER_HEAP = ("-Xms384m", "-Xmx384m")


@dataclass(frozen=True)
class BrokerLayout:
    """Where one broker keeps its configuration, data and logs, and the ports it uses."""

    home: Path
    port: int
    controller_port: int
    node_id: int = 1
    # A cluster's static controller quorum, "1@127.0.0.1:port,2@...": every voter is
    # named in every node's configuration. Empty: a standalone controller (one node).
    voters: str = ""
    # Settings of this node that differ from the shared file (a cluster's replication).
    overrides: tuple[tuple[str, str], ...] = ()

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def node_properties(self) -> dict[str, str]:
        """What is particular to this node; everything else comes from the shared file."""
        quorum = ({"controller.quorum.voters": self.voters} if self.voters
                  else {"controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}"})
        return {
            "node.id": str(self.node_id),
            "process.roles": "broker,controller",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            **quorum,
            "log.dirs": str(self.data_dir),
            **dict(self.overrides),
        }


def layout_for(home: Path, preferred_port: int | None = None) -> BrokerLayout:
    """Fresh ports on every start: a formatted home keeps its topics and offsets when
    its listeners move (checked on Kafka 4.2: a standalone controller is found by its
    node and directory ids, not by the address it was formatted with)."""
    port = preferred_port if preferred_port and port_free(preferred_port) else free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    return BrokerLayout(home, port, controller_port)


def java_command(java: str, libs: Path, logs_dir: Path, main: str, *args: str,
                 heap: tuple[str, ...] = HEAP) -> list[str]:
    # The G1 pause target follows kafka-run-class.sh. ExitOnOutOfMemoryError: a broker
    # out of heap must die, and be seen to, rather than limp on.
    return [java, *heap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", f"-Dkafka.logs.dir={logs_dir}", f"-Dlog4j2.configurationFile={LOG4J2}",
            "-cp", f"{libs}/*", main, *args]


def new_cluster_id() -> str:
    """16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints. Like
    Kafka's own Uuid.randomUuid(), never one that starts with '-': the storage tool's
    argument parser would take it for an option."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def prepare(layout: BrokerLayout, java: str, libs: Path, cluster_id: str | None = None) -> None:
    """Write the configuration, and format the storage unless it already is. The nodes
    of one cluster are formatted with the same `cluster_id`; a static quorum
    (layout.voters) needs no --standalone, since the configuration names every voter."""
    node = "".join(f"{key}={value}\n" for key, value in layout.node_properties().items())
    layout.config.write_text(f"{SHARED_PROPERTIES.read_text()}\n# This node (stack/broker.py)\n{node}")
    if (layout.data_dir / "meta.properties").exists():
        return
    quorum = () if layout.voters else ("--standalone",)
    result = subprocess.run(  # noqa: S603 - argv list, no shell: the checked java, fixed options, our own paths
        java_command(java, libs, layout.home, "kafka.tools.StorageTool", "format", *quorum,
                     "--ignore-formatted", "-t", cluster_id or new_cluster_id(), "-c", str(layout.config)),
        capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        raise BrokerSetupError(f"formatting {layout.data_dir} failed: {result.stderr.strip()[-400:]}")


def start(home: Path, logs_dir: Path, preferred_port: int | None = None, timeout: float = 120.0,
          say=print) -> tuple[subprocess.Popen, BrokerLayout]:
    """Start the broker in its own session and return once it answers metadata requests."""
    java, libs = java_binary(), ensure_jars(say)
    layout = layout_for(home, preferred_port)
    home.mkdir(parents=True, exist_ok=True)
    prepare(layout, java, libs)
    logs_dir.mkdir(parents=True, exist_ok=True)
    out = open(logs_dir / "broker.out", "ab")  # the JVM's own output; the broker logs to broker.log
    proc = subprocess.Popen(java_command(java, libs, logs_dir, "kafka.Kafka", str(layout.config)),  # noqa: S603 - argv list, no shell: the checked java, fixed options, our own paths
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        started = time.monotonic()
        wait_for_port(layout.port, timeout, proc)
        wait_until_answers(layout.bootstrap, timeout - (time.monotonic() - started), proc)
    except Exception as exc:
        proc.kill()
        proc.wait(10)
        raise BrokerSetupError(f"the embedded broker did not start ({exc}); see {logs_dir / 'broker.log'}") from exc
    return proc, layout


def wait_until_answers(bootstrap: str, timeout: float, proc: subprocess.Popen | None = None,
                       brokers: int = 1) -> None:
    """Listening is not ready: the broker answers metadata only once it has caught up
    with its controller and registered (a cluster: once `brokers` of them have)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the broker exited with {proc.returncode}")
        try:
            if len(admin.list_topics(timeout=2).brokers) >= brokers:
                return
        except Exception:  # noqa: BLE001, S110 - KafkaException until it is up; keep waiting
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the broker at {bootstrap} did not answer within {timeout:.0f} s")
