"""Health checks of the runner replicas, between model loads: Ray restarts a replica
whose process died, but not one that hangs (a stuck native call, a SIGSTOP, a dead
consume loop in a live process), and nobody would say either happened.

Every interval each replica of a ready deployment is asked `ping()`; Ray's actor table
says whether it is alive, restarting or dead, and how often it restarted. Events:
- "died": its restart count went up: Ray restarted it (kill -9, a crash).
- "stuck": alive, but no answer within the timeout, or its consume loop is gone:
  killed with ray.kill, and Ray restarts it.
- "dead": Ray gave up on it: the supervisor starts a new replica in its place.
- "back": it answers again after one of those.
A replica restarting (its model loading again) is left alone, however long it takes."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from model_runners import ray_host

log = logging.getLogger(__name__)


@dataclass
class Watch:
    restarts: int = -1  # the restart count last seen (-1: not seen yet)
    ping: object = None  # the ping in flight
    sent_at: float = 0.0
    next_at: float = 0.0
    troubled: bool = False  # an event was reported and "back" is still due


@dataclass(frozen=True)
class HealthEvent:
    key: str  # the model version's key
    index: int  # the replica's number
    kind: str  # died | stuck | dead | back
    detail: str


class ReplicaHealth:
    def __init__(self, interval_s: float, timeout_s: float):
        self._interval_s, self._timeout_s = interval_s, timeout_s
        self._watches: dict[tuple[str, int], Watch] = {}
        self._checked_at = float("-inf")

    def troubled(self, key: str) -> int:
        """How many replicas of this version are dead, stuck or restarting now."""
        return sum(1 for (k, _), w in self._watches.items() if k == key and w.troubled)

    def check(self, replicas: dict[tuple[str, int], object], now: float) -> list[HealthEvent]:
        """replicas: (version key, replica number) -> its handle, for every replica that
        should be serving. Returns what happened since the last check. Ray's actor table
        is read at most twice a second, whatever the caller's pace."""
        if now - self._checked_at < min(self._interval_s, 0.5):
            return []
        self._checked_at = now
        self._watches = {k: w for k, w in self._watches.items() if k in replicas}
        events = []
        for (key, index), handle in replicas.items():
            watch = self._watches.setdefault((key, index), Watch(next_at=now))
            event = self._check_one(watch, handle, now)
            if event:
                events.append(HealthEvent(key, index, *event))
                log.warning("replica %d of %s: %s (%s)", index, key, *event)
        return events

    def _check_one(self, watch: Watch, handle, now: float) -> tuple[str, str] | None:
        state, restarts, pid = ray_host.actor_state(handle)
        if watch.restarts >= 0 and restarts > watch.restarts:
            watch.restarts, watch.ping, watch.troubled = restarts, None, True
            return "died", f"Ray restarted it (restart {restarts}); it reloads its model and rejoins its group"
        watch.restarts = max(watch.restarts, restarts)
        if state == "DEAD":
            watch.ping, watch.troubled, watch.restarts = None, True, -1
            return "dead", "Ray will not restart it; a new replica takes its place"
        if state != "ALIVE":  # restarting or being placed: a model load may take long
            watch.ping = None
            return None
        return self._ping(watch, handle, now, pid)

    def _ping(self, watch: Watch, handle, now: float, pid: int) -> tuple[str, str] | None:
        if watch.ping is None:
            if now >= watch.next_at:
                watch.ping, watch.sent_at = ray_host.ping(handle), now
            return None
        answer = ray_host.ping_answer(watch.ping)
        if answer == "ok":
            watch.ping, watch.next_at = None, now + self._interval_s
            if watch.troubled:
                watch.troubled = False
                return "back", "answers its health check again"
            return None
        if answer == "failed":  # it died: Ray's actor table tells the rest at the next check
            watch.ping = None
            return None
        if answer == "loop stopped" or now - watch.sent_at > self._timeout_s:
            why = "its consume loop has stopped" if answer else f"no answer within {self._timeout_s:g} s"
            ray_host.kill_to_restart(handle)
            watch.ping, watch.troubled = None, True
            return "stuck", f"{why} (pid {pid}): killed; Ray restarts it"
        return None
