"""What a replay is asked to do, and the job record that carries it from request to
report. A job is data: the gateway publishes it to the `replays` topic, the replay
worker runs it and publishes its progress and report under the same key, and the
registry keeps the newest record per id (the topic is compacted).

The record is JSON rather than protobuf: it is read by people and the HTTP API, no
service on the live path decodes it, and the report's shape grows with new sections."""
from __future__ import annotations

import enum
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone

import orjson

from common.errors import PlatformError

DEFAULT_RATE = 200    # rows a second: sized so live p99 stays put (docs/decisions/006-replay.md)
DEFAULT_BATCH = 50    # rows per call to the candidate's actor
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_OFFSET = 2 ** 62  # Kafka offsets are signed 64-bit


class ReplayError(PlatformError):
    """A replay that can't be started as asked: the API answers 422 with this message."""

    status_code = 422


class JobStatus(str, enum.Enum):
    REQUESTED = "requested"  # published, not picked up yet
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def parse_time(text: str, now_us: int) -> int:
    """A moment as microseconds since the epoch: "1h", "30m", "90s", "2d" ago, or an ISO-8601 time."""
    text = text.strip()
    relative = _DURATION.match(text)
    try:
        if relative:
            return now_us - int(float(relative.group(1)) * _UNIT_S[relative.group(2)] * 1_000_000)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp() * 1_000_000)
    except (ValueError, OverflowError):  # OverflowError: a duration too long to be a time
        raise ReplayError(f"not a time: {text!r}; use a duration ago (90s, 30m, 1h, 2d) or an ISO-8601 time") from None


def parse_offsets(raw: dict) -> dict[int, tuple[int, int]]:
    """{"0": [start, end], ...}: per partition of the decisions topic, end excluded."""
    out = {}
    for partition, bounds in raw.items():
        try:
            start, end = (int(b) for b in bounds)
            out[int(partition)] = (start, end)
        except (TypeError, ValueError):
            raise ReplayError(f"offsets must map a partition to [start, end], got {partition!r}: {bounds!r}") from None
        if not 0 <= start < end <= MAX_OFFSET:
            raise ReplayError(f"partition {partition}: need 0 <= start < end <= 2^62, got [{start}, {end}]")
    return out


@dataclass(frozen=True, slots=True)
class ReplaySpec:
    data_type: str
    model: str
    version: str
    since_us: int = 0                 # by time: decisions enqueued in [since_us, until_us)
    until_us: int = 0
    offsets: dict[int, tuple[int, int]] = field(default_factory=dict)  # or by offset, per partition
    rate: int = DEFAULT_RATE          # rows a second at most
    batch: int = DEFAULT_BATCH

    def check(self) -> "ReplaySpec":
        if not self.offsets and not self.since_us < self.until_us:
            raise ReplayError("the range is empty: since must be before until")
        if not 1 <= self.rate <= 100_000 or not 1 <= self.batch <= 10_000:
            raise ReplayError("rate must be 1-100000 rows a second and batch 1-10000 rows")
        return self


@dataclass(frozen=True, slots=True)
class ReplayJob:
    replay_id: str
    spec: ReplaySpec
    status: JobStatus = JobStatus.REQUESTED
    reason: str = ""                  # why it failed
    done: int = 0                     # decisions read so far
    total: int = 0                    # decisions in the range (all data types), once known
    attempt: int = 0                  # a job restarted after a crash counts up
    report: dict | None = None
    created_at_us: int = 0
    updated_at_us: int = 0

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def to_dict(self) -> dict:
        body = asdict(self)
        body["status"] = self.status.value
        body["spec"]["offsets"] = {str(p): list(b) for p, b in self.spec.offsets.items()}
        body["progress"] = {"done": self.done, "total": self.total,
                            "fraction": round(self.done / self.total, 4) if self.total else None}
        return body

    def encode(self) -> bytes:
        return orjson.dumps(self.to_dict())


def new_job(spec: ReplaySpec, now_us: int) -> ReplayJob:
    return ReplayJob(uuid.uuid4().hex, spec.check(), created_at_us=now_us, updated_at_us=now_us)


def decode_job(data: bytes) -> ReplayJob:
    from common.errors import WireError

    try:
        body = orjson.loads(data)
        spec = dict(body["spec"])
        spec["offsets"] = parse_offsets(spec.get("offsets") or {})
        return ReplayJob(body["replay_id"], ReplaySpec(**spec), JobStatus(body["status"]), body.get("reason", ""),
                         body.get("done", 0), body.get("total", 0), body.get("attempt", 0), body.get("report"),
                         body.get("created_at_us", 0), body.get("updated_at_us", 0))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, ReplayError) as exc:
        raise WireError(f"not a replay job: {exc}") from exc


def updated(job: ReplayJob, now_us: int, **changes) -> ReplayJob:
    return replace(job, updated_at_us=now_us, **changes)
