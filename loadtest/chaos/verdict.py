"""A fault run's ledger, judged: the reliability contract (loadtest.ledger_check), with
connections the fault refused or cut counted as rejected, and the recovery time.

A client of a killed gateway sees its connection refused (the port is closed) or cut
(the process died mid-exchange). Neither is an answer, and the client knows it got
none, so it may retry with the same idempotency key: rejected, not lost. They are
counted apart ("connection_errors") so that the table shows them. A request that got
silence until the client's timeout is still lost."""
from __future__ import annotations

from loadtest.ledger_check import check_entries, is_official

CONNECTION_ERRORS = ("ConnectionRefusedError", "ConnectionResetError", "ConnectionAbortedError",
                     "BrokenPipeError", "IncompleteReadError", "ConnectionError", "OSError")
RECOVERED_SHARE = 0.9
BASELINE_S = 10.0  # the seconds before the injection whose answer rate is the baseline
SUSTAINED_S = 3


def is_connection_error(entry: dict) -> bool:
    return entry.get("status") == "error" and str(entry.get("error") or "").startswith(CONNECTION_ERRORS)


def judge(entries: list[dict], grace_ms: float) -> dict:
    cut = [e for e in entries if is_connection_error(e)]
    check = check_entries([e for e in entries if not is_connection_error(e)], grace_ms)
    explicit = sum(n for status, n in check["by_status"].items() if status not in ("200", "error"))
    return {**check, "sent": check["sent"] + len(cut), "rejected": check["rejected"] + len(cut),
            "connection_errors": len(cut),
            "explicit_errors": explicit + len(cut)}


def answered_per_second(entries: list[dict], start: float, end: float) -> list[int]:
    """Official answers in each whole second from `start`, by the time they came back."""
    counts = [0] * max(0, int(end - start))
    for e in entries:
        at = e.get("answered_at")
        if is_official(e.get("status")) and at is not None and start <= at < start + len(counts):
            counts[int(at - start)] += 1
    return counts


def recovery_time(entries: list[dict], injected_at: float, load_ended: float) -> dict:
    """Seconds from the injection until the official answer rate is back to 90% of the
    rate before it (the median second of the BASELINE_S before), over SUSTAINED_S in a
    row: a single slow second on a shared machine is noise, not the fault. 0 when the
    rate never fell below 90%; None when it had not come back when the load ended."""
    sends = [e["scheduled_at"] for e in entries if e.get("scheduled_at")]
    if not sends:
        return {"recovery_s": None, "baseline_per_s": 0.0, "per_second_after": []}
    baseline_start = max(min(sends) + 2.0, injected_at - BASELINE_S)  # the first seconds ramp up
    before = sorted(answered_per_second(entries, baseline_start, injected_at))
    baseline = before[len(before) // 2] if before else 0.0
    # The last second of sending answers fewer: the rest come back after it, in the drain.
    after = answered_per_second(entries, injected_at, load_ended - 1.0)
    threshold = RECOVERED_SHARE * baseline
    windows = [sum(after[i:i + SUSTAINED_S]) / SUSTAINED_S for i in range(len(after) - SUSTAINED_S + 1)]
    dipped = [i for i, n in enumerate(after) if n < threshold]
    if not dipped:
        recovery = 0.0
    else:
        back = [i for i, mean in enumerate(windows) if i > dipped[0] and mean >= threshold]
        recovery = float(back[0]) if back else None
    return {"recovery_s": recovery, "baseline_per_s": baseline, "per_second_after": after}
