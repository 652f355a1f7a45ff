"""The ledger: one JSON line per request sent, the evidence for ``ledger_check``.

A line records both sides of an exchange::

    {"client_id": "…uuid…", "data_type": "iris", "warmup": false, "deadline_ms": null,
     "scheduled_at": 1700000000.123456, "sent_at": 1700000000.123501,
     "status": 200, "request_id": "…", "model_name": "iris-lr", "model_version": "3",
     "reason": "preferred", "answered_at": 1700000000.125012,
     "latency_ms": 1.556, "service_ms": 1.511, "platform_ms": 1.204, "error": null}

Times are wall-clock seconds since the epoch so they can be matched with the
platform's logs.  ``latency_ms`` counts from the *scheduled* send time (what a
user waiting on the schedule would see); ``service_ms`` from the actual send;
``platform_ms`` is the gateway's own figure from the answer body (from reading the
request to answering it), null when the answer had none (a 503, a cut connection).

The checker also accepts lines that carry only one side, which is what an
asynchronous transport (Kafka) would write: a send line without ``status``, and
later an answer line with ``client_id`` and the answer fields but no ``sent_at``.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from loadtest.transport import Outcome, Record


class LedgerWriter:
    """Appends ledger lines through a large buffer: the hot path only formats."""

    def __init__(self, path: Path, wall_offset: float) -> None:
        """``wall_offset`` turns ``perf_counter()`` readings into epoch seconds."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self._wall_offset = wall_offset
        self.lines = 0

    def write_line(self, line: dict) -> None:
        """A one-sided line (an answer nobody asked for), for the checker to count."""
        self._file.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        self.lines += 1

    def write(self, record: Record, scheduled_at: float, outcome: Outcome, warmup: bool) -> None:
        wall = self._wall_offset
        line = {
            "client_id": record.client_id,
            "data_type": record.data_type,
            "warmup": warmup,
            "deadline_ms": record.deadline_ms,
            "scheduled_at": round(scheduled_at + wall, 6),
            "sent_at": round(outcome.sent_at + wall, 6),
            "status": outcome.status,
            "request_id": outcome.request_id,
            "model_name": outcome.model_name,
            "model_version": outcome.model_version,
            "reason": outcome.reason,
            "answered_at": round(outcome.answered_at + wall, 6),
            "latency_ms": round((outcome.answered_at - scheduled_at) * 1000.0, 3),
            "service_ms": round(outcome.latency_ms, 3),
            "platform_ms": outcome.platform_ms,
            "error": outcome.error,
        }
        self._file.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        self.lines += 1

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read_ledger(path: Path | str) -> list[dict]:
    """All lines of a ledger; a malformed line is an error naming its number."""
    entries = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
            if not isinstance(entry, dict) or not (entry.get("client_id") or entry.get("request_id")):
                raise ValueError(f"{path}:{number}: a ledger line needs a client_id or request_id")
            entries.append(entry)
    return entries
