"""The platform's own service processes, as `make up` starts them: which, in what
order, each with its environment (tokens only where checked) and its /metrics port."""
from __future__ import annotations

import secrets
from typing import Iterator

from stack import embedded
from stack.output import say

SERVICES = ("registry", "rendezvous", "model_runners", "stats", "gateway")
DEFAULT_METRICS_PORT = 9400  # common.settings.InfraSettings.metrics_port
# The bearer tokens, and their names in the messages that print a generated one.
TOKENS = {"ADMIN_TOKEN": "admin token", "AUDIT_TOKEN": "audit token (read-only)"}


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
