"""The settings of one run, validated once so the rest of the code can trust them."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# A few real Iris rows, cycled through so models see more than one input.
IRIS_SAMPLES: tuple[tuple[float, ...], ...] = (
    (5.1, 3.5, 1.4, 0.2),
    (6.4, 3.2, 4.5, 1.5),
    (6.3, 3.3, 6.0, 2.5),
    (4.9, 3.0, 1.4, 0.2),
    (5.7, 2.8, 4.1, 1.3),
    (7.2, 3.6, 6.1, 2.5),
)


@dataclass(frozen=True)
class RunConfig:
    mode: str = "open"  # "open" (fixed arrival rate) or "closed" (N clients back to back)
    rate: float = 100.0  # open loop: requests per second
    concurrency: int = 8  # closed loop: number of clients
    duration_s: float = 10.0  # hard limit for sending, warmup included
    warmup_s: float = 0.0  # requests scheduled this early are left out of the stats
    max_requests: int | None = None  # stop sending after this many
    max_in_flight: int = 1024  # open loop: beyond this, requests are shed by the client
    connections: int | None = None  # connection pool size; None = sized for the load
    timeout_s: float = 10.0  # the client gives up on an answer after this long
    base_url: str = "http://127.0.0.1:8000"
    data_type: str = "iris"
    transport: str = "http"
    features: tuple = field(default=IRIS_SAMPLES)  # inputs, cycled through
    deadline_ms: int | None = None  # sent with each request when given
    out_dir: Path = Path("loadtest-results")
    ledger_path: Path = Path("loadtest-results/ledger.jsonl")
    grace_ms: float = 1000.0  # ledger check: allowed lateness past a deadline
    known_versions: frozenset | None = None  # {(name, version)} for the ledger check
    progress: bool = True

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError("; ".join(problems))

    def _problems(self):
        if self.mode not in ("open", "closed"):
            yield f"mode must be 'open' or 'closed', got {self.mode!r}"
        if self.mode == "open" and self.rate <= 0:
            yield "--rate must be positive"
        if self.mode == "closed" and self.concurrency < 1:
            yield "--concurrency must be at least 1"
        if self.duration_s <= 0:
            yield "--duration must be positive"
        if not 0 <= self.warmup_s < self.duration_s:
            yield "--warmup must be at least 0 and shorter than --duration"
        if self.max_requests is not None and self.max_requests < 1:
            yield "--requests must be at least 1"
        if self.max_in_flight < 1 or (self.connections is not None and self.connections < 1):
            yield "--max-in-flight and --connections must be at least 1"
        if self.timeout_s <= 0:
            yield "--timeout must be positive"

    @property
    def pool_size(self) -> int:
        """Connections to allow: one per client, or one per request in flight."""
        if self.connections is not None:
            return self.connections
        return self.concurrency if self.mode == "closed" else self.max_in_flight

    def to_json(self) -> dict:
        """The config as plain JSON values, for result.json."""
        data = asdict(self)
        data["out_dir"], data["ledger_path"] = str(self.out_dir), str(self.ledger_path)
        data["features"] = [list(f) if isinstance(f, tuple) else f for f in self.features]
        if self.known_versions is not None:
            data["known_versions"] = sorted(f"{name}:{ver}" for name, ver in self.known_versions)
        return data


def parse_known_versions(text: str | None) -> frozenset | None:
    """``"iris-lr:1,iris-tree:3"`` -> ``{("iris-lr", "1"), ("iris-tree", "3")}``."""
    if not text:
        return None
    pairs = set()
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, version = item.rpartition(":")
        if not sep or not name or not version:
            raise ValueError(f"known version {item!r} is not name:version")
        pairs.add((name, version))
    return frozenset(pairs)


def default_out_dir(root: str = "loadtest-results") -> Path:
    """``loadtest-results/<timestamp>/`` so runs never overwrite each other."""
    return Path(root) / time.strftime("%Y%m%d-%H%M%S")
