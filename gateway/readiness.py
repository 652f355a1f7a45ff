"""What /ready reports: the broker and Redis answer, and every data type has a ready
model (problems: 503), and each data type's live models agree on its input schema
(warnings: still 200). Checked in the background so /ready and /predict never block
on I/O."""
from __future__ import annotations

import asyncio
import logging

from common.kafka import KafkaProducer
from common.settings import InfraSettings
from gateway.input_schema import input_schemas, schema_disagreements
from gateway.core import PredictService
from registry.client import RegistryClient, data_types

log = logging.getLogger(__name__)


class Readiness:
    def __init__(self, infra: InfraSettings, producer: KafkaProducer, registry: RegistryClient,
                 service: PredictService, refresh_s: float):
        self._infra = infra
        self._producer = producer
        self._registry = registry
        self._service = service
        self._refresh_s = refresh_s
        self._problems: list[str] = ["not checked yet"]
        self._warnings: list[str] = []
        self.draining = False

    def problems(self) -> list[str]:
        return ["shutting down"] if self.draining else list(self._problems)

    def warnings(self) -> list[str]:
        """What an operator should fix but that does not stop serving. A data type whose
        live models disagree on the schema is one: it is normal for a moment in a
        rollout that changes the schema, its records are still scored, and taking the
        whole gateway out of its load balancer would stop every other data type too."""
        return list(self._warnings)

    async def keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("readiness check failed")

    async def refresh(self) -> None:
        problems = []
        disagreements: list[str] = []
        try:
            models = await asyncio.to_thread(self._registry.models)
            # Cached here, with the data types, so that the check on every request reads no Redis.
            self._service.known_data_types = data_types(models)
            self._service.input_schemas = input_schemas(models)
            disagreements = schema_disagreements(models)
        except Exception as exc:
            problems.append(f"registry (redis): {exc}")
        partitions = await asyncio.to_thread(self._producer.partition_counts, 2)
        if partitions is None:
            problems.append(f"broker at {self._infra.kafka_bootstrap} does not answer")
        else:
            self._service.partitions = partitions
        known = self._service.known_data_types
        if not known:
            problems.append("no models published yet")
        problems.extend(f"data type {dt} has no ready model" for dt, ok in sorted(known.items()) if not ok)
        self._problems = problems
        self._warnings = disagreements
