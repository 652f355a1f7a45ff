"""Admission control: how many predict requests may wait for their answer at once.

Little's law: requests in flight = answer rate x how long each waits. The gateway
counts the answers that came back over a recent window and admits as many requests as
that rate answers within a target wait, a fraction of the deadline. A request past that
would only queue behind the others (in this gateway, on the request topic, in the
runners) and end as a 504 after costing a trip through every model; it gets 503 with
Retry-After at once instead, and its caller may try again later or elsewhere.

The limit follows the platform both ways. When answers come faster, the next window's
limit is higher; when the platform slows down, fewer answers per window bring it down,
so the admitted requests' mean wait settles near the target whatever the capacity. A
floor lets a cold or idle gateway, which has counted no answers, admit a burst, and the
ceiling (GATEWAY_MAX_IN_FLIGHT) bounds memory whatever the rate. Pure: the caller passes
the time in, so tests use a fake clock."""
from __future__ import annotations

import collections

BUCKETS_PER_WINDOW = 10  # the window slides by a tenth: no cliff when a whole window expires at once


class AdmissionControl:
    def __init__(self, target_wait_s: float, window_s: float, min_limit: int, max_limit: int):
        if not (target_wait_s > 0 and window_s > 0 and 1 <= min_limit <= max_limit):
            raise ValueError("need target_wait_s > 0, window_s > 0 and 1 <= min_limit <= max_limit")
        self._target_wait_s = target_wait_s
        self._window_s = window_s
        self._bucket_s = window_s / BUCKETS_PER_WINDOW
        self._min_limit, self._max_limit = min_limit, max_limit
        self._answers: collections.deque[list[int]] = collections.deque()  # [bucket number, answers in it]
        self.in_flight = 0

    def admit(self, now_s: float, count: int = 1) -> bool:
        """Take places for `count` requests (a batch's rows, all or none), or say there
        are none (the caller sheds them). A batch larger than the limit goes when nothing
        else is in flight, so that no batch size is refused for ever."""
        if not self.has_room(now_s, count):
            return False
        self.in_flight += count
        return True

    def has_room(self, now_s: float, count: int = 1) -> bool:
        """Whether `admit` would take `count` requests now (a cheap look before the request is parsed)."""
        return self.in_flight == 0 or self.in_flight + count <= self.limit(now_s)

    def done(self, now_s: float, answered: bool) -> None:
        """An admitted request left: `answered` when an answer came back for it (not when
        the gateway gave up waiting), so that only answers count towards the rate."""
        self.in_flight -= 1
        if answered:
            bucket = self._bucket(now_s)
            if self._answers and self._answers[-1][0] == bucket:
                self._answers[-1][1] += 1
            else:
                self._answers.append([bucket, 1])

    def limit(self, now_s: float) -> int:
        by_rate = int(self.answer_rate(now_s) * self._target_wait_s)
        return max(self._min_limit, min(self._max_limit, by_rate))

    def answer_rate(self, now_s: float) -> float:
        """Answers per second over the last window."""
        oldest = self._bucket(now_s) - BUCKETS_PER_WINDOW + 1
        while self._answers and self._answers[0][0] < oldest:
            self._answers.popleft()
        return sum(count for _, count in self._answers) / self._window_s

    def _bucket(self, now_s: float) -> int:
        return int(now_s / self._bucket_s)  # not //: 5.0 // 0.1 is 49.0 in binary floating point
