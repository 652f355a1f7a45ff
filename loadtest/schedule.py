"""When an open-loop run sends each request.

Open loop means arrivals follow a fixed clock, whatever the server does: request
``i`` is due at ``i / rate`` seconds after the start.  The driver asks "how many
requests should have been launched by now?" and launches the missing ones, each
stamped with its *scheduled* time.  If the driver falls behind (a stall in the
server, the client, or the event loop), the late requests are still sent and
their latency still counts from when they were due, so stalls show up in the
numbers instead of silently lowering the send rate (coordinated omission).

Everything here is a pure function of its arguments so the timing logic can be
tested without clocks.
"""

from __future__ import annotations

import math


def planned_send_count(rate: float, duration_s: float, max_requests: int | None = None) -> int:
    """How many requests a run at ``rate`` per second sends within ``duration_s``.

    Sends are due at 0, 1/rate, 2/rate, ... strictly before ``duration_s``.
    ``max_requests`` caps the count when given.
    """
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    # Round before ceil so 0.3 s * 10/s counts 3 sends, not 4 from float noise.
    count = max(0, math.ceil(round(duration_s * rate, 9)))
    if max_requests is not None:
        count = min(count, max_requests)
    return count


def send_offset(index: int, rate: float) -> float:
    """Seconds after the start at which request ``index`` is due."""
    return index / rate


def due_count(elapsed_s: float, rate: float, total: int) -> int:
    """How many requests should have been launched ``elapsed_s`` seconds in.

    Request ``i`` is due once ``elapsed_s >= i / rate``; the answer never
    exceeds ``total``.
    """
    if elapsed_s < 0:
        return 0
    return min(total, math.floor(round(elapsed_s * rate, 9)) + 1)


# Was the schedule kept?  An open loop that cannot launch its requests on time (a busy
# client, a stalled event loop) or sheds them offers less than it claims, so every run
# says how close it came.
RATE_HELD_SHARE = 0.95  # the rate was held: at least this share of the offered rate was sent...
LATE_SEND_P99_MS = 10.0  # ...and 99% of sends left within this long of their due time


def pace(rate: float, planned: int, window: tuple[float, float], sends: list[tuple[float, float]]) -> dict:
    """How well an open loop kept its schedule over the measured window.

    ``sends`` are (due, sent) offsets in seconds of the measured requests that were
    sent; ``planned`` is how many were due in ``window`` (start, end); requests shed
    by the client were due but never sent.  Sends that slipped past the window's end
    stretch it, so falling behind lowers the achieved rate.
    """
    from common.stats import percentile  # the one percentile definition

    start, end = window
    lags = sorted(max(sent - due, 0.0) * 1000.0 for due, sent in sends)
    span = max(end, max((sent for _, sent in sends), default=end)) - start
    achieved = len(sends) / span if span > 0 else 0.0
    lag = {"p50": percentile(lags, 50), "p99": percentile(lags, 99), "max": lags[-1] if lags else None}
    held = achieved >= RATE_HELD_SHARE * rate and (lag["p99"] or 0.0) <= LATE_SEND_P99_MS
    verdict = (f"{'held' if held else 'NOT HELD'}: {achieved:,.1f} of {rate:,.1f} req/s offered "
               f"({len(sends)} of {planned} due requests sent)")
    if lag["p99"] is not None:
        verdict += f", sends p99 {lag['p99']:.1f} ms late (max {lag['max']:.1f} ms)"
    return {"offered_per_s": rate, "achieved_per_s": round(achieved, 3), "due": planned, "sent": len(sends),
            "send_lag_ms": lag, "held": held, "verdict": verdict}
