"""One mailbox per request: the request, the deadline, which models are expected,
and every score that arrived, once per (model, version)."""
from __future__ import annotations

from dataclasses import dataclass, field

from common.domain import ModelRef, Request, Role, Score


@dataclass(frozen=True, slots=True)
class Entry:
    """A score as the policy sees it: with the model's role and quality, and when it arrived."""

    score: Score
    role: Role
    quality: float
    arrived_us: int

    @property
    def model(self) -> ModelRef:
        return self.score.model


@dataclass(slots=True)
class Mailbox:
    request: Request
    arrived_us: int
    deadline_us: int
    policy: str = ""
    expected: frozenset[ModelRef] = frozenset()  # serving and backstop models that are ready
    backstops: frozenset[ModelRef] = frozenset()  # those of the expected that are backstops
    entries: dict[ModelRef, Entry] = field(default_factory=dict)

    def add(self, entry: Entry) -> bool:
        """Keep a score; False if this model version already answered (a duplicate)."""
        if entry.model in self.entries:
            return False
        self.entries[entry.model] = entry
        return True

    def official(self) -> list[Entry]:
        """Successful scores that may become the official answer, in arrival order.
        Warm (canary) models are recorded but never official."""
        return [e for e in self.entries.values()
                if e.score.ok and e.role in (Role.SERVE, Role.BACKSTOP)]

    def from_model(self, name: str) -> Entry | None:
        """The successful score of the named model (any version), if it arrived."""
        for e in self.entries.values():
            if e.model.name == name and e.score.ok and e.role in (Role.SERVE, Role.BACKSTOP):
                return e
        return None

    def all_expected_answered(self) -> bool:
        """True when no expected model can still change the outcome. With nothing
        expected (models still loading) it stays False, so the deadline decides."""
        return bool(self.expected) and self.expected.issubset(self.entries)

    def all_expected_failed(self) -> bool:
        """True when every expected model answered with an error and no other model gave
        a usable output: nothing that can still arrive would turn into an answer."""
        return (self.all_expected_answered()
                and not any(self.entries[ref].score.ok for ref in self.expected)
                and not self.official())

    def late_models(self) -> tuple[ModelRef, ...]:
        return tuple(sorted(self.expected - set(self.entries), key=str))
