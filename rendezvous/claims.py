"""Exactly one answer per request across rendezvous instances, crashes and zombies.

Before publishing, an instance claims the request in Redis (SET NX), storing the
answer it is about to send. Only the winner publishes. After the answer is
delivered it is marked published. A replay that finds a claim that was never
marked published sends that same stored answer again, so a crash between claim
and publish loses nothing (docs/decisions/002-mailbox-recovery.md)."""
from __future__ import annotations

import redis

CLAIM = "rv:claim:{}"
PUBLISHED = "rv:published:{}"


class Claims:
    def __init__(self, client: redis.Redis, ttl_s: int = 3600):
        self._redis = client
        self._ttl_s = ttl_s

    def claim(self, answers: list[tuple[str, bytes]], confirm: list[str] = ()) -> list[tuple[str, bytes]]:
        """Claim each (request_id, answer bytes); return what this instance must publish:
        the ones it won, plus earlier claims whose publication was never confirmed.
        `confirm`: request ids whose answers were delivered since, marked published in the
        same round trip."""
        if not answers:
            self.confirm(list(confirm))
            return []
        pipe = self._redis.pipeline(transaction=False)
        self._mark_published(pipe, confirm)
        for rid, payload in answers:
            pipe.set(CLAIM.format(rid), payload, nx=True, ex=self._ttl_s)
        won = pipe.execute()[len(confirm):]
        to_publish = [a for a, ok in zip(answers, won) if ok]
        lost = [rid for (rid, _), ok in zip(answers, won) if not ok]
        if lost:
            to_publish.extend(self._unconfirmed(lost))
        return to_publish

    def _unconfirmed(self, request_ids: list[str]) -> list[tuple[str, bytes]]:
        pipe = self._redis.pipeline(transaction=False)
        for rid in request_ids:
            pipe.exists(PUBLISHED.format(rid))
            pipe.get(CLAIM.format(rid))
        results = pipe.execute()
        return [(rid, payload) for rid, published, payload in zip(request_ids, results[::2], results[1::2])
                if not published and payload is not None]

    def confirm(self, request_ids: list[str]) -> None:
        if not request_ids:
            return
        pipe = self._redis.pipeline(transaction=False)
        self._mark_published(pipe, request_ids)
        pipe.execute()

    def _mark_published(self, pipe, request_ids) -> None:
        for rid in request_ids:
            pipe.set(PUBLISHED.format(rid), 1, ex=self._ttl_s)
