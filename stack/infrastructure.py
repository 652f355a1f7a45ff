"""What the platform runs on, started by `make up` unless settings point elsewhere: the
broker (one, or a KRaft cluster of several), Redis, Ray (local, or a head with worker
nodes), and where the stats app serves its windows. Each server it starts is printed
with its PID and log, and supervised by the caller's process group."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common.settings import InfraSettings
from stack import broker, embedded, kafka_cluster, ray_nodes
from stack.broker_install import kafka_version
from stack.output import say
from stack.processes import ProcessGroup

DEFAULT_STATS_WEB_PORT = 6066  # stats.settings.StatsSettings.web_port


def start_infrastructure(env: dict, group: ProcessGroup, logs: Path, brokers: int = 1) -> None:
    if not env.get("KAFKA_BOOTSTRAP") and brokers > 1:
        start_kafka_cluster(env, group, logs, brokers)
    elif not env.get("KAFKA_BOOTSTRAP"):
        say("broker: starting Apache Kafka (KRaft, one node)")
        proc, layout = broker.start(logs.parent / "kafka", logs, preferred_port=9092, say=say)
        group.adopt("broker", proc)
        env["KAFKA_BOOTSTRAP"] = layout.bootstrap
        say(f"{'broker':<14} pid {proc.pid:<7} log {logs / 'broker.log'} (Apache Kafka {kafka_version()} "
            f"on {layout.bootstrap})")
    else:
        say(f"broker: using KAFKA_BOOTSTRAP={env['KAFKA_BOOTSTRAP']}")
    if not env.get("REDIS_URL"):
        port = embedded.free_port()
        # Persistent (an append-only file under the run directory) and restarted like the
        # services: one crashed cache must not stop serving (docs/decisions/017-redis-restart.md).
        command = embedded.redis_command(port, str(logs.parent / "redis"), persist=True)

        def start_redis():
            return embedded.start(command, port, str(logs / "redis.log"))
        group.adopt("redis", start_redis(), restart=start_redis)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        say(f"redis (Valkey) pid {group.pid('redis'):<7} on {env['REDIS_URL']}")
    else:
        say(f"redis: using REDIS_URL={without_password(env['REDIS_URL'])}")


def start_kafka_cluster(env: dict, group: ProcessGroup, logs: Path, brokers: int) -> None:
    """Several brokers, each started and restarted by `group` like a service, and the
    topics' replication that makes one broker's loss harmless (unless set already)."""
    say(f"broker: starting a {brokers}-broker Apache Kafka cluster (KRaft, each node broker and controller)")
    cluster = kafka_cluster.start(logs.parent / f"kafka-{brokers}", logs, group, brokers, say=say)
    env["KAFKA_BOOTSTRAP"] = cluster.bootstrap
    factor, min_isr = kafka_cluster.replication(brokers)
    env.setdefault("KAFKA_REPLICATION_FACTOR", str(factor))
    env.setdefault("KAFKA_MIN_INSYNC_REPLICAS", str(min_isr))
    for node in cluster.nodes:
        name = cluster.name(node)
        say(f"{name:<14} pid {group.pid(name):<7} log {logs / name / 'broker.log'} (Apache Kafka "
            f"{kafka_version()} on {node.bootstrap})")
    say(f"topics: replication factor {env['KAFKA_REPLICATION_FACTOR']}, min.insync.replicas "
        f"{env['KAFKA_MIN_INSYNC_REPLICAS']}, producers acks=all")


def start_ray(env: dict, group: ProcessGroup, ray_workers: ProcessGroup, logs: Path, worker_nodes: int) -> None:
    """No worker nodes: the supervisor starts a local Ray of its own. Worker nodes: a
    head and the workers, each a `ray start` of this platform's, which the supervisor joins."""
    if env.get("RAY_ADDRESS"):
        say(f"ray: using RAY_ADDRESS={env['RAY_ADDRESS']}")
    elif not worker_nodes:
        say("ray: local, started by the runner supervisor, on 127.0.0.1 with a token of its own")
    else:
        say(f"ray: starting a head and {worker_nodes} worker node(s)")
        num_cpus = InfraSettings(ray_num_cpus=int(env.get("RAY_NUM_CPUS") or 0)).local_ray_cpus()  # per node
        env.update(ray_nodes.start_cluster(logs.parent, logs, group, ray_workers, worker_nodes, num_cpus, say))


def place_stats_app(env: dict, run_dir: str) -> str:
    """Where the stats app keeps its data and serves its windows, and the gateway's way
    there: STATS_WEB_PORT (6066, or a free port when that is taken) unless set."""
    if not env.get("STATS_WEB_PORT"):
        free = embedded.port_free(DEFAULT_STATS_WEB_PORT)
        env["STATS_WEB_PORT"] = str(DEFAULT_STATS_WEB_PORT if free else embedded.free_port())
    env.setdefault("STATS_DATA_DIR", str(Path(run_dir, "stats")))
    url = f"http://{env.get('STATS_WEB_HOST', '127.0.0.1')}:{env['STATS_WEB_PORT']}"
    env.setdefault("GATEWAY_STATS_URL", url)
    return env["GATEWAY_STATS_URL"]


def without_password(url: str) -> str:
    """The URL as it may be printed: REDIS_URL may carry a password
    (redis://user:secret@host, or ?password=secret)."""
    parts = urlsplit(url)
    netloc = f"***@{parts.netloc.rpartition('@')[2]}" if "@" in parts.netloc else parts.netloc
    query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
    return urlunsplit(parts._replace(netloc=netloc, query=query))
