"""Exactly one answer per request across rendezvous instances, crashes and zombies.

Before publishing, an instance claims the request in Redis (SET NX), storing the
answer it is about to send. Only the winner publishes. After the answer is
delivered it is marked published. A replay that finds a claim that was never
marked published sends that same stored answer again, so a crash between claim
and publish loses nothing (docs/decisions/002-mailbox-recovery.md)."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque

import redis

log = logging.getLogger(__name__)
# What Redis raises while it is down or restarting (loading its append-only file).
REDIS_AWAY = (redis.ConnectionError, redis.TimeoutError)

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


class PatientClaims:
    """Claims that wait for Redis while it is away (a restart: decision 017), and the
    answers the broker acknowledged, marked published in the next claim's round trip."""

    def __init__(self, claims: Claims, stopping: threading.Event):
        self._claims = claims
        self._stopping = stopping
        self._delivered: deque[str] = deque()  # request ids whose answer the broker acknowledged
        self._away_since: float | None = None

    def claim(self, payloads: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """Claim, waiting for Redis however long it is away. The core has already closed
        these mailboxes, so the answers can be neither dropped (they would be lost) nor
        published unclaimed (a second instance replaying the request could answer too).
        A claim that reached Redis before it went away is found again by SET NX, and its
        stored answer is the one published, so a retry never answers twice. On SIGTERM the
        wait ends with the error: the answers' offsets were never released, so whoever
        owns the partitions next replays and answers them."""
        confirm = self._take_delivered()
        backoff = 0.05
        while True:
            try:
                claimed = self._claims.claim(payloads, confirm=confirm)
                self._back()
                return claimed
            except REDIS_AWAY as exc:
                self._away(exc)
                if self._stopping.wait(backoff):
                    raise
                backoff = min(backoff * 2, 1.0)

    def on_delivered(self, request_id: str, err, msg) -> None:
        """The producer's delivery report of one answer."""
        if err is not None:
            log.error("answer %s to %s not delivered: %s", request_id, msg.topic(), err)
            return  # left unconfirmed: a replay will send it again
        self._delivered.append(request_id)

    def confirm_delivered(self) -> None:
        delivered = self._take_delivered()
        try:
            self._claims.confirm(delivered)
        except REDIS_AWAY as exc:  # kept for the next round: a published mark is only ever late
            self._delivered.extendleft(reversed(delivered))
            self._away(exc)

    def _away(self, exc: Exception) -> None:
        if self._away_since is None:
            self._away_since = time.monotonic()
            log.warning("redis does not answer (%s): answers wait for their claims", exc)

    def _back(self) -> None:
        if self._away_since is not None:
            log.warning("redis answers again after %.1f s", time.monotonic() - self._away_since)
            self._away_since = None

    def _take_delivered(self) -> list[str]:
        return [self._delivered.popleft() for _ in range(len(self._delivered))]
