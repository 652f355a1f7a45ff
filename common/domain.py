"""The domain types every service works with, independent of the wire format.

`common.codec` is the only module that converts between these and protobuf.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    SERVE = "serve"        # may give the official answer
    WARM = "warm"          # canary: scores every request, recorded, never official
    BACKSTOP = "backstop"  # fast fallback when the preferred model is late
    RETIRED = "retired"    # stops scoring
    CANDIDATE = "candidate"  # validated, never fed live traffic: scores replays only


class Reason(str, enum.Enum):
    PREFERRED = "preferred"
    BACKSTOP = "backstop"
    CONSENSUS = "consensus"
    QUALITY = "quality"
    FIRST = "first"
    TIMEOUT = "timeout"
    ERROR = "error"  # every expected model answered, each with an error: no output can come


@dataclass(frozen=True, slots=True)
class ModelRef:
    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}:{self.version}"


@dataclass(frozen=True, slots=True)
class ReturnAddress:
    topic: str
    correlation_id: str


@dataclass(frozen=True, slots=True)
class Features:
    """A record to score: positional values, or values named by the input schema."""

    values: tuple[float, ...] = ()
    named: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Request:
    request_id: str
    data_type: str
    input: Features
    reply_to: ReturnAddress
    enqueued_at_us: int
    deadline_ms: int = 0  # 0: the data type's policy decides
    record_id: str = ""
    # The bytes it was decoded from, if it came off the wire: the decision record embeds
    # the request and its scores unchanged, so they are never encoded a second time.
    wire: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Output:
    label: str = ""
    values: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Score:
    request_id: str
    data_type: str
    model: ModelRef
    output: Output = Output()
    confidence: float = 0.0
    queued_us: int = 0
    started_us: int = 0
    finished_us: int = 0
    error: str = ""
    # The bytes it was decoded from, if it came off the wire: the decision record embeds
    # the request and its scores unchanged, so they are never encoded a second time.
    wire: bytes = field(default=b"", compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class ModelLatency:
    model: ModelRef
    latency_us: int


@dataclass(frozen=True, slots=True)
class ModelError:
    """A model that answered with an error instead of an output."""

    model: ModelRef
    error: str
    latency_us: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """The official answer to one request, with the decision that produced it."""

    request_id: str
    correlation_id: str
    data_type: str
    policy: str
    reason: Reason
    output: Output = Output()
    model: ModelRef | None = None
    record_id: str = ""
    answered: tuple[ModelLatency, ...] = ()  # models that produced an output
    late: tuple[ModelRef, ...] = ()
    waited_us: int = 0
    decided_at_us: int = 0
    errored: tuple[ModelError, ...] = ()  # models that answered with an error


@dataclass(frozen=True, slots=True)
class Decision:
    """What the audit store keeps per request: the request, its answer, every score."""

    request: Request
    answer: Answer
    scores: tuple[Score, ...] = ()
