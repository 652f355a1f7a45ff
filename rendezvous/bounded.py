"""What the rendezvous remembers beyond its open mailboxes, each bounded in count and
in age, so that no stream of strays can grow its memory without end:
- scores that came before their request (a runner can be faster than the
  rendezvous's own read of the request partition);
- the ids of requests already answered (a redelivered request, or a score after the
  answer, must not open a second mailbox)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from common.domain import Score


class EarlyScores:
    """Scores held for a request not seen yet: at most `limit` request ids (the oldest
    goes first), each kept for `ttl_us`."""

    def __init__(self, limit: int, ttl_us: int):
        self._limit, self._ttl_us = limit, ttl_us
        self._held: OrderedDict[str, list[tuple[Score, int, Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._held)

    def keep(self, score: Score, now_us: int, source: Any) -> list[Any]:
        """Hold the score; the sources of the scores dropped to make room."""
        dropped: list[Any] = []
        if len(self._held) >= self._limit:
            _, oldest = self._held.popitem(last=False)
            dropped = [s for _, _, s in oldest]
        self._held.setdefault(score.request_id, []).append((score, now_us, source))
        return dropped

    def take(self, request_id: str) -> list[tuple[Score, int, Any]]:
        """The request came: its scores, with when each arrived and its source."""
        return self._held.pop(request_id, [])

    def expire(self, now_us: int) -> list[Any]:
        """The sources of the scores whose request never came in time."""
        expired: list[Any] = []
        while self._held:
            rid, held = next(iter(self._held.items()))
            if now_us - held[0][1] < self._ttl_us:
                break
            del self._held[rid]
            expired.extend(s for _, _, s in held)
        return expired


class AnsweredIds:
    """Request ids answered: at most `limit`, each for `ttl_us`."""

    def __init__(self, limit: int, ttl_us: int):
        self._limit, self._ttl_us = limit, ttl_us
        self._at: OrderedDict[str, int] = OrderedDict()

    def __contains__(self, request_id: str) -> bool:
        return request_id in self._at

    def add(self, request_id: str, now_us: int) -> None:
        self._at[request_id] = now_us

    def forget_old(self, now_us: int) -> None:
        while self._at:
            rid, at = next(iter(self._at.items()))
            if len(self._at) <= self._limit and now_us - at < self._ttl_us:
                break
            del self._at[rid]
