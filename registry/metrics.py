"""The registry's Prometheus metrics: model versions by role and status (and the
replicas ready of each live version), consumer lag per group, and the audit records
written. The model figures are read from the registry's own Redis read model once per
scrape; the lag comes from a background measurement (common/group_lag.py)."""
from __future__ import annotations

import logging
from collections import Counter
from typing import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from common.group_lag import GroupLagMonitor
from common.metrics import Counts, Readings, process_registry
from common.stream import DEAD_LETTERS
from registry.client import RegistryClient

log = logging.getLogger(__name__)


class ModelCensus(Collector):
    """rvs_model_versions and rvs_model_replicas_ready, from one read of the models hash."""

    def __init__(self, client: RegistryClient):
        self._client = client

    def collect(self) -> Iterable[GaugeMetricFamily]:
        versions = GaugeMetricFamily("rvs_model_versions", "Model versions, by data type, role and status.",
                                     labels=("data_type", "role", "status"))
        replicas = GaugeMetricFamily("rvs_model_replicas_ready", "Replicas ready of each live model version.",
                                     labels=("data_type", "model", "version"))
        try:
            models = self._client.models()
        except Exception as exc:  # Redis away: an empty scrape, not a failed one
            log.warning("model census not read: %s", exc)
            models = []
        tally = Counter((m.get("data_type", ""), m.get("role", ""), m.get("status", "")) for m in models)
        for labels, count in sorted(tally.items()):
            versions.add_metric(labels, count)
        for m in models:
            if m.get("role") != "retired":
                replicas.add_metric((m.get("data_type", ""), m["name"], m["version"]), m.get("replicas_ready", 0))
        yield versions
        yield replicas


class RegistryMetrics:
    def __init__(self, client: RegistryClient, lag: GroupLagMonitor):
        self.audit_records = Counts("rvs_audit_records_total", "Records written to the audit store, by kind "
                                    "(decision or late score).", ("kind",))
        consumer_lag = Readings("rvs_consumer_lag", "Messages a consumer group has yet to read, by group and "
                                "topic (groups with members only), measured every REGISTRY_LAG_INTERVAL_S.",
                                ("group", "topic"), lambda: lag.lags)
        self.registry = process_registry(ModelCensus(client), consumer_lag, self.audit_records, DEAD_LETTERS)
