"""The cheap rows of the fault matrix (`make chaos` runs them all), through the same
runner: a fresh `stack up`, steady open-loop load, kill -9 of the embedded Redis
mid-load, and `stack up` restarts it. Every accepted request gets exactly one answer,
the audit records and claims from before the kill are still there, and no request got
two different answers on the wire. No timing is asserted: the recovery time is
measured, and reported by `make chaos`."""
import pytest

from loadtest.chaos.faults import FAULTS
from loadtest.chaos.runner import RunSettings, run_fault

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]
CHEAP = [f for f in FAULTS if f.cheap]


@pytest.mark.parametrize("fault", CHEAP, ids=[f.name for f in CHEAP])
def test_a_cheap_fault_under_load_loses_nothing(fault, tmp_path):
    result = run_fault(fault, RunSettings(tmp_path, rate=20, duration_s=20, inject_after_s=8), say=print)
    assert "error" not in result, result.get("error")
    check = result["check"]
    assert check["sent"] >= 300 and check["answers"] >= 300
    assert (check["lost"], check["duplicate"], check["unexpected"], check["wrong_version"]) == (0, 0, 0, 0)
    assert result["wire"]["two_different_answers"] == 0
    assert result["verify"].get("problems", []) == []
    assert result["stopped_with"] == 0
    assert result["passed"]
