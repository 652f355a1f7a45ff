"""How a Kafka service runs as a process: logging configured once, the service built,
its /metrics served (METRICS_HOST:METRICS_PORT), then SIGTERM and SIGINT turned into a
graceful stop (the loop finishes its batch, stores its offsets and leaves its group)
while run() blocks."""
from __future__ import annotations

import signal
from typing import Callable, Protocol

from prometheus_client import CollectorRegistry

from common import logs, metrics
from common.settings import InfraSettings


class Service(Protocol):
    metrics_registry: CollectorRegistry  # what its /metrics serves

    def run(self) -> None: ...

    def stop(self) -> None: ...


def serve(name: str, build: Callable[[InfraSettings], Service]) -> None:
    """Build the service, then run it until a signal stops it. The handlers are set after
    build(), so they replace any a library installed while building (ray.init has one
    that would exit at once instead of draining)."""
    infra = InfraSettings()
    logs.configure(infra.log_level, name)
    service = build(infra)
    metrics.serve(service.metrics_registry, infra.metrics_host, infra.metrics_port)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    service.run()
