"""`make up`: run the whole platform in the foreground on the embedded default.

In this order: a broker (unless KAFKA_BOOTSTRAP is set) and a Redis (unless REDIS_URL
is set); the topics, and the demo models (trained here) and policy published; then the
registry, rendezvous, runner supervisor, stats app (the windowed serving stats, served
on STATS_WEB_PORT, 6066 or a free port) and gateway, each printed with where its
/metrics is. The supervisor starts a local Ray unless RAY_ADDRESS is set. The broker
is Apache Kafka, its data kept under .run/kafka between runs (`make clean` starts it
over).
Ctrl-C or SIGTERM stops everything it started, by PID, in reverse order."""
from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx

from stack import broker, embedded, kafka_cluster, ray_nodes
from common.settings import InfraSettings
from stack.broker_install import kafka_version
from stack.processes import ProcessGroup

SERVICES = ("registry", "rendezvous", "model_runners", "stats", "gateway")
DEFAULT_STATS_WEB_PORT = 6066  # stats.settings.StatsSettings.web_port
DEFAULT_METRICS_PORT = 9400  # common.settings.InfraSettings.metrics_port
# The bearer tokens, and their names in the messages that print a generated one.
TOKENS = {"ADMIN_TOKEN": "admin token", "AUDIT_TOKEN": "audit token (read-only)"}


def say(message: str) -> None:
    try:
        print(f"[up] {message}", flush=True)
    except OSError:
        pass  # whoever read our output is gone; stopping what we started matters more


def run(demo: bool = True, run_dir: str = ".run", gateways: int = 1, rendezvous: int = 1, brokers: int = 1,
        ray_worker_nodes: int = 0) -> int:
    logs = Path(run_dir, "logs")
    logs.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    group = ProcessGroup()
    ray_workers = ProcessGroup()  # Ray worker nodes: never restarted, one that dies is a machine gone
    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        start_infrastructure(env, group, logs, brokers)
        start_ray(env, group, ray_workers, logs, ray_worker_nodes)
        from stack.bootstrap import bootstrap
        bootstrap(env, demo=demo, replicas=1 + ray_worker_nodes)
        stats_url = place_stats_app(env, run_dir)
        ports = metrics_ports(int(env.get("METRICS_PORT", DEFAULT_METRICS_PORT)))
        metrics = {}
        for name, service, service_env_ in instances(env, gateways, rendezvous):
            service_env_, metrics[name] = with_metrics_port(service, service_env_, ports)
            group.start(name, [sys.executable, "-m", service], service_env_, logs / f"{name}.log")
            say(f"{name:<14} pid {group.pid(name):<7} log {logs / (name + '.log')}")
        url = f"http://{env.get('GATEWAY_HOST', '127.0.0.1')}:{env.get('GATEWAY_PORT', '8000')}"
        wait_ready(url, group, stopping)
        for name, metrics_url in metrics.items():
            say(f"metrics: {name:<14} {metrics_url}")
        say(f"stats windows: {stats_url}/windows/data-types/<data type>?width=10s (the gateway relays them at "
            f"/v1/data-types/<data type>/stats/windows)")
        say(f"READY: gateway on {url} (docs at {url}/docs). Ctrl-C stops everything.")
        while stopping["signal"] is None:
            dead = group.first_dead()
            try:
                restarted = bool(dead) and group.restart_if_allowed(dead)
            except (OSError, RuntimeError) as exc:  # a server that would not listen again: try next round
                say(f"{dead} exited and did not restart ({exc}); trying again")
                restarted = None
            if restarted:
                say(f"{dead} exited unexpectedly (see its log); restarted as pid {group.pid(dead)}")
            elif dead and restarted is not None:
                say(f"{dead} exited and can't be restarted (see its log); stopping the platform")
                return 1
            time.sleep(0.5)
        return 0
    except Exception as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        say("stopping every process started here")
        group.stop_all()
        ray_workers.stop_all()
        say("stopped")


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
    ensure_tokens(env)


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


def instances(env: dict, gateways: int = 1, rendezvous: int = 1) -> list[tuple[str, str, dict]]:
    """(process name, service module, environment) of every service process, in start order.
    Extra rendezvous instances join the same consumer group and share the partitions;
    extra gateways listen on the next ports (GATEWAY_PORT + 1, + 2, ...) and each has its
    own instance id, so its own reply topic (its return address): a generated one, or
    GATEWAY_INSTANCE_ID with the instance's number after it."""
    counts = {"rendezvous": rendezvous, "gateway": gateways}
    port = int(env.get("GATEWAY_PORT", "8000"))
    started = []
    for service in SERVICES:
        for index in range(counts.get(service, 1)):
            name = service if index == 0 else f"{service}-{index + 1}"
            service_env_ = service_env(service, env)
            if service == "gateway" and index:
                service_env_ = {**service_env_, "GATEWAY_PORT": str(port + index)}
                if env.get("GATEWAY_INSTANCE_ID"):
                    service_env_["GATEWAY_INSTANCE_ID"] = f"{env['GATEWAY_INSTANCE_ID']}-{index + 1}"
            started.append((name, service, service_env_))
    return started


def metrics_ports(first: int) -> Iterator[int]:
    """Ports for the Kafka services' /metrics: `first` (METRICS_PORT, 9400 by default) and
    the ones after it, so that a Prometheus configuration can name them; one already
    taken is skipped."""
    port = first
    while True:
        if port == 0 or not embedded.port_free(port):
            yield embedded.free_port()
        else:
            yield port
        port = port + 1 if port else 0


def with_metrics_port(service: str, service_env_: dict, ports: Iterator[int]) -> tuple[dict, str]:
    """The service's environment with its METRICS_PORT, and its /metrics URL. A gateway
    serves /metrics on its own port."""
    if service == "gateway":
        host, port = service_env_.get("GATEWAY_HOST", "127.0.0.1"), service_env_.get("GATEWAY_PORT", "8000")
        return service_env_, f"http://{host}:{port}/metrics"
    port = next(ports)
    host = service_env_.get("METRICS_HOST", "127.0.0.1")
    return {**service_env_, "METRICS_PORT": str(port)}, f"http://{host}:{port}/metrics"


def ensure_tokens(env: dict) -> None:
    """Generate each token the operator did not set, and print it: the operator needs it
    to call the API. This terminal is the one place a token is ever printed."""
    for name, what in TOKENS.items():
        if not env.get(name):
            env[name] = secrets.token_urlsafe(24)
            say(f"{what} (generated; set {name} to choose one): {env[name]}")


def service_env(service: str, env: dict) -> dict:
    """The environment of one service. Only the gateway checks tokens, so only it gets
    them: the runners load untrusted models, and Ray's workers inherit their environment."""
    if service == "gateway":
        return env
    return {k: v for k, v in env.items() if k not in TOKENS}


def without_password(url: str) -> str:
    """The URL as it may be printed: REDIS_URL may carry a password
    (redis://user:secret@host, or ?password=secret)."""
    parts = urlsplit(url)
    netloc = f"***@{parts.netloc.rpartition('@')[2]}" if "@" in parts.netloc else parts.netloc
    query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def wait_ready(url: str, group: ProcessGroup, stopping: dict, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline and stopping["signal"] is None:
        dead = group.first_dead()
        if dead:
            raise RuntimeError(f"{dead} exited during start-up; see its log")
        try:
            response = httpx.get(f"{url}/ready", timeout=2)
            if response.status_code == 200:
                return
            problems = "; ".join(response.json().get("problems", []))
            if problems != last:
                say(f"waiting: {problems}")
                last = problems
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    if stopping["signal"] is None:
        raise TimeoutError(f"the platform was not ready after {timeout:.0f} s")
