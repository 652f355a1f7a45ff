"""The fault matrix's verdict on a ledger: connections a fault refused or cut are
rejected, not lost; silence is lost; and the recovery time is read from the answer rate."""
import pytest

from loadtest.chaos.faults import all_faults, slug
from loadtest.chaos.table import table
from loadtest.chaos.verdict import judge, recovery_time

pytestmark = pytest.mark.timeout(10)
T0 = 1_700_000_000.0


def line(n: int, status, at: float, error=None, reason="preferred") -> dict:
    return {"client_id": f"c{n}", "scheduled_at": at, "sent_at": at, "status": status, "request_id": f"r{n}",
            "reason": reason if status == 200 or status == 504 else None, "answered_at": at + 0.01,
            "latency_ms": 10.0, "service_ms": 10.0, "error": error, "deadline_ms": None}


def test_refused_and_cut_connections_are_rejected_but_silence_is_lost():
    entries = [line(0, 200, T0), line(1, "error", T0, "ConnectionRefusedError: [Errno 111] Connect call failed"),
               line(2, "error", T0, "IncompleteReadError: 0 bytes read on a total of 1 expected bytes"),
               line(3, "error", T0, "no answer within 10s"), line(4, 504, T0, reason="timeout")]
    verdict = judge(entries, grace_ms=1000)
    assert (verdict["sent"], verdict["lost"], verdict["connection_errors"]) == (5, 1, 2)
    assert verdict["explicit_errors"] == 3 and verdict["rejected"] == 2
    assert verdict["failures"] == ["lost"]


def test_a_second_answer_is_a_duplicate():
    entries = [line(0, 200, T0), {**line(0, 200, T0), "request_id": "r0"}]
    assert judge(entries, grace_ms=1000)["duplicate"] == 1


def steady(rate_by_second: list[int]) -> list[dict]:
    entries = []
    for second, count in enumerate(rate_by_second):
        entries += [line(len(entries), 200, T0 + second + i / max(count, 1)) for i in range(count)]
    return entries


def test_recovery_is_when_the_rate_is_back_to_90_percent_for_three_seconds():
    # 10/s for 20 s, the fault at 20 s: 5 s of nothing, one good second, one bad, then steady.
    rates = [10] * 20 + [0] * 5 + [10, 2] + [10] * 13
    result = recovery_time(steady(rates), injected_at=T0 + 20, load_ended=T0 + 40)
    assert result["baseline_per_s"] == 10
    assert result["recovery_s"] == 7.0


def test_no_dip_is_zero_and_no_recovery_is_none():
    assert recovery_time(steady([10] * 40), T0 + 20, T0 + 40)["recovery_s"] == 0.0
    assert recovery_time(steady([10] * 20 + [0] * 20), T0 + 20, T0 + 40)["recovery_s"] is None


def test_every_fault_has_a_distinct_name_and_the_table_has_a_row_for_each():
    faults = all_faults()
    assert len({slug(f) for f in faults}) == len(faults)
    rows = table([{"fault": f.name, "error": "not run"} for f in faults]).splitlines()
    assert len(rows) == 2 + len(faults)
