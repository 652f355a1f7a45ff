"""Reading the audit store and the serving stats: the queryable state behind the
gateway's /v1/audit and /stats endpoints."""
from __future__ import annotations

import orjson
import redis

from common.stats import percentile

COUNTERS = ("count", "wins", "late", "errors", "compared", "agreed")


def latency_summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"min": values[0] if values else None, "mean": round(sum(values) / len(values), 3) if values else None,
            "max": values[-1] if values else None, "p50": percentile(values, 50), "p99": percentile(values, 99),
            "window": len(values)}


class AuditQueries:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def audit(self, request_id: str) -> dict | None:
        raw = self._redis.get(f"rv:audit:{request_id}")
        if raw is None:
            return None
        record = orjson.loads(raw)
        record["scores"] += [orjson.loads(s) for s in self._redis.lrange(f"rv:audit:{request_id}:late", 0, -1)]
        return record

    def by_record(self, record_id: str, limit: int = 1000) -> list[dict]:
        """Every request for this record, oldest first, with the model version that answered it."""
        request_ids = self._redis.zrange(f"rv:record:{record_id}", 0, limit - 1)
        raws = self._redis.mget([f"rv:audit:{rid.decode()}" for rid in request_ids]) if request_ids else []
        out = []
        for raw in filter(None, raws):
            r = orjson.loads(raw)
            out.append({"request_id": r["request"]["request_id"], "enqueued_at_us": r["request"]["enqueued_at_us"],
                        "model": r["decision"]["model"], "reason": r["decision"]["reason"]})
        return out

    def model_stats(self, name: str) -> dict[str, dict]:
        versions: dict[str, dict] = {}
        for field, value in self._redis.hgetall(f"rv:mstats:{name}").items():
            version, counter = field.decode().rsplit("|", 1)
            versions.setdefault(version, dict.fromkeys(COUNTERS, 0))[counter] = int(value)
        for version, stats in versions.items():
            latencies = [float(v) for v in self._redis.lrange(f"rv:mlat:{name}|{version}", 0, -1)]
            compared = stats.pop("compared")
            agreed = stats.pop("agreed")
            stats["agreement"] = round(agreed / compared, 4) if compared else None
            stats["latency_ms"] = latency_summary(latencies)
        return versions

    def data_type_stats(self, data_type: str) -> dict:
        reasons = {k.decode(): int(v) for k, v in self._redis.hgetall(f"rv:dstats:{data_type}").items()}
        latencies = [float(v) for v in self._redis.lrange(f"rv:dlat:{data_type}", 0, -1)]
        return {"answers": sum(reasons.values()), "reasons": reasons, "latency_ms": latency_summary(latencies)}
