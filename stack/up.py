"""`make up`: run the whole platform in the foreground on the embedded default.

In this order: a broker (unless KAFKA_BOOTSTRAP is set) and a Redis (unless REDIS_URL
is set); the topics, and the demo models (trained here) and policy published; then the
registry, rendezvous, runner supervisor, stats app (the windowed serving stats, served
on STATS_WEB_PORT, 6066 or a free port) and gateway, each printed with where its
/metrics is; once /ready answers 200, a few demo requests warm the data path
(stack/warm_up.py) before READY. The supervisor starts a local Ray unless RAY_ADDRESS
is set. The broker is Apache Kafka, its data kept under .run/kafka between runs
(`make clean` starts it over).
Ctrl-C or SIGTERM stops everything it started, by PID, in reverse order."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx

from stack import demo as demo_models
from stack.infrastructure import place_stats_app, start_infrastructure, start_ray
from stack.output import say
from stack.processes import ProcessGroup
from stack.services import (
    DEFAULT_METRICS_PORT,
    ensure_tokens,
    instances,
    metrics_ports,
    with_metrics_port,
)
from stack.warm_up import warm_up


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
        ensure_tokens(env)
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
        if demo and stopping["signal"] is None:
            warm_up(url, demo_models.DATA_TYPE, demo_models.WARM_UP_FEATURES)
        for name, metrics_url in metrics.items():
            say(f"metrics: {name:<14} {metrics_url}")
        say(f"stats windows: {stats_url}/windows/data-types/<data type>?width=10s (the gateway relays them at "
            f"/v1/data-types/<data type>/stats/windows)")
        say(f"READY: gateway on {url} (docs at {url}/docs). Ctrl-C stops everything.")
        return keep_running(group, stopping)
    except Exception as exc:
        say(f"failed: {exc}")
        return 1
    finally:
        say("stopping every process started here")
        group.stop_all()
        ray_workers.stop_all()
        say("stopped")


def keep_running(group: ProcessGroup, stopping: dict) -> int:
    """Restart what crashed until a signal comes (0), or until something crashed too
    often or can't be restarted at all (1: the platform stops)."""
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
