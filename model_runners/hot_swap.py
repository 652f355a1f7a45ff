"""Hot swap: once a new version of a model is ready, its older versions in the same
role are retired, by publishing them as retired (models are data).

Not at once: the new version's group starts reading where the topic ended when it
joined, so the old version first drains what was sent before that
(RUNNER_RETIRE_DRAIN_S). Pure bookkeeping; the supervisor publishes."""
from __future__ import annotations

from typing import Iterable

from common.descriptors import ModelDescriptor
from common.domain import Role


class RetirementSchedule:
    def __init__(self, drain_s: float):
        self._drain_s = drain_s
        self._pending: list[tuple[float, ModelDescriptor]] = []  # (when, older version)

    def after_ready(self, ready: ModelDescriptor, deployed: Iterable[ModelDescriptor], now: float) -> None:
        """Schedule the retirement of every older version `ready` replaces. A warm,
        canary or candidate version replaces nothing: it is never served."""
        if ready.role not in (Role.SERVE, Role.BACKSTOP):
            return
        for d in deployed:
            if d.name == ready.name and d.role is ready.role and d.created_at_us < ready.created_at_us:
                self._pending.append((now + self._drain_s, d))

    def take_due(self, now: float) -> list[ModelDescriptor]:
        due = [d for when, d in self._pending if when <= now]
        self._pending = [(when, d) for when, d in self._pending if when > now]
        return due
