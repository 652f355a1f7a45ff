"""Running counters and the once-a-second progress line on stderr.

The drivers bump plain integer attributes and feed one histogram per answer;
formatting happens only once a second, so the display adds no per-request cost
beyond that.  On a terminal the line is redrawn in place; otherwise (CI logs,
pipes) one plain line per second is printed so the log stays readable.
"""

from __future__ import annotations

import sys
from typing import TextIO

from loadtest.ledger_check import is_official
from loadtest.stats import LogHistogram

MIN_RATE_WINDOW_S = 0.5  # shorter windows give noisy rates


class LiveStats:
    """Counters for the whole run so far (warmup included)."""

    def __init__(self) -> None:
        self.sent = 0
        self.completed = 0
        self.errors = 0  # every answer that is not an official 2xx answer
        self.shed_by_client = 0  # open loop: not sent because --max-in-flight was reached
        self.in_flight = 0
        self.latency = LogHistogram()

    def on_answer(self, status, latency_ms: float) -> None:
        self.completed += 1
        if not is_official(status):
            self.errors += 1
        self.latency.add(latency_ms)


def format_progress(elapsed_s: float, stats: LiveStats, rate: float) -> str:
    p50, p99 = stats.latency.percentile(50), stats.latency.percentile(99)
    latency = f"p50 {p50:.1f}ms  p99 {p99:.1f}ms" if p50 is not None else "p50 -  p99 -"
    return (
        f"{elapsed_s:6.1f}s  sent {stats.sent}  done {stats.completed}  "
        f"rate {rate:.0f}/s  errors {stats.errors}  shed {stats.shed_by_client}  "
        f"in-flight {stats.in_flight}  {latency}"
    )


class ProgressDisplay:
    """Prints ``format_progress`` each time the runner calls ``show`` (once a second)."""

    def __init__(self, stats: LiveStats, stream: TextIO = sys.stderr) -> None:
        self._stats = stats
        self._stream = stream
        self._in_place = stream.isatty()
        self._last = (0.0, 0)  # (elapsed, completed) at the previous tick
        self._rate = 0.0

    def show(self, elapsed_s: float) -> None:
        last_elapsed, last_completed = self._last
        window = elapsed_s - last_elapsed
        if window >= MIN_RATE_WINDOW_S:
            self._rate = (self._stats.completed - last_completed) / window
            self._last = (elapsed_s, self._stats.completed)
        rate = self._rate  # a final line just after a tick keeps the last full second's rate
        line = format_progress(elapsed_s, self._stats, rate)
        if self._in_place:
            self._stream.write("\r" + line + "\x1b[K")
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def finish(self) -> None:
        """Leave the in-place line on screen before anything else prints."""
        if self._in_place:
            self._stream.write("\n")
            self._stream.flush()
