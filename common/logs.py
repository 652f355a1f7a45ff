"""Logging set-up, called only by each service's entry point."""
from __future__ import annotations

import logging


def configure(level: str, service: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    # librdkafka's own logs come through confluent_kafka at INFO and drown ours.
    logging.getLogger("confluent_kafka").setLevel(logging.WARNING)
