"""Wall-clock time in microseconds: what crosses the wire and what policies compare.

Policies never read a clock; their callers pass `now` in, so tests use a fake one."""
from __future__ import annotations

import time


def now_us() -> int:
    return time.time_ns() // 1000
