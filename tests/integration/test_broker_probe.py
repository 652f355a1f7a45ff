"""The broker probe runs on a private Tansu and reports a cost per fill level, so the
measurement behind docs/performance.md can be repeated. No timing is asserted here:
the numbers belong in that document, not in a test on a shared machine."""
import pytest

from loadtest.broker_probe import main, probe

pytestmark = pytest.mark.timeout(90)


def test_probe_reports_a_cost_for_every_fill_level():
    lines = []
    results = probe([300, 0], rounds=20, fetch_wait_ms=5, say=lines.append)
    assert [level for level, _ in results] == [0, 300]
    assert all(cost >= 0 for _, cost in results)  # CPU is counted in 10 ms ticks
    assert len(lines) == 2 and "300 batches stored" in lines[1]


def test_probe_rejects_bad_levels(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--levels", "a,b"])
    assert exit_info.value.code == 2
    assert "--levels" in capsys.readouterr().err
