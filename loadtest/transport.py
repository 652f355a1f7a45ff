"""How a request reaches the platform: the ``Transport`` protocol and its registry.

The drivers in ``runner`` only know this protocol, so a new way of reaching the
platform (for example a ``KafkaTransport`` in ``loadtest/kafka_transport.py``
that produces a protobuf ``Request`` to ``requests.<data_type>`` with a return
address and reads ``Answer`` messages from a reply topic) only needs a class
implementing ``Transport`` and one line in ``TRANSPORTS``.

Registry entries are ``"module:Class"`` strings imported on first use, so the
CLI can list and validate names without importing optional dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from common import plugins

if TYPE_CHECKING:
    from loadtest.config import RunConfig

# name -> "module:Class"; the class is constructed as Class(config: RunConfig).
TRANSPORTS: dict[str, str] = {
    "http": "loadtest.http_transport:HttpTransport",
    "kafka": "loadtest.kafka_transport:KafkaTransport",
}

# An HTTP status code, or for transports without one: "ok" (official answer),
# "timeout" (official timeout answer) or "error" (no answer: the transport failed
# or the client gave up waiting).
Status = int | str


@dataclass(frozen=True)
class Record:
    """One request to score; ``client_id`` is unique per request."""

    client_id: str
    data_type: str
    features: object  # a list of floats, or a {name: value} dict
    deadline_ms: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What came back for one request, as seen by the client.

    ``sent_at`` and ``answered_at`` are ``time.perf_counter()`` readings:
    ``sent_at`` is when the transport started sending (connection set-up
    included), ``answered_at`` when the answer (or the failure) arrived.
    """

    status: Status
    sent_at: float
    answered_at: float
    request_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    reason: str | None = None
    error: str | None = None
    # The platform's own latency_ms from the answer body (the gateway's time from reading
    # the request to answering), when it has one: set apart from the client's lag.
    platform_ms: float | None = None

    @property
    def latency_ms(self) -> float:
        """Client-side latency from the actual send; the drivers add schedule lag."""
        return (self.answered_at - self.sent_at) * 1000.0


@runtime_checkable
class Transport(Protocol):
    """Sends records and reports outcomes; ``send`` must never raise."""

    async def open(self) -> None:
        """Prepare connections; called once before the first ``send``."""

    async def send(self, record: Record) -> Outcome:
        """Send one record and wait for its answer (or a failure)."""

    async def close(self) -> None:
        """Release connections; called once after the last ``send``."""


def load_transport(name: str, config: RunConfig) -> Transport:
    """Build the transport registered under ``name``.

    Raises ValueError (UnknownPlugin) naming the valid transports when ``name`` is unknown.
    """
    return plugins.lookup(TRANSPORTS, name, "transport")(config)
