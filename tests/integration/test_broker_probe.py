"""The broker probe runs on a private embedded broker and reports a cost per fill
level, so the measurement behind docs/performance.md can be repeated. CPU figures are
not asserted (they belong in that document, not in a test on a shared machine); the
one property asserted is the broker's: a waiting fetch completes when data arrives,
so a hop takes far less than the fetch wait."""
import pytest

from loadtest.broker_probe import main, probe

pytestmark = pytest.mark.timeout(120)


def test_a_waiting_fetch_wakes_on_produce_at_every_fill_level():
    lines = []
    results = probe([300, 0], rounds=20, fetch_wait_ms=3000, say=lines.append)
    assert [level for level, _, _ in results] == [0, 300]
    # A broker that did not wake the fetch would take the whole 3,000 ms every hop.
    assert all(hop_ms < 1500 for _, _, hop_ms in results), results
    assert "300 batches stored" in lines[-1]


def test_probe_rejects_bad_levels(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--levels", "a,b"])
    assert exit_info.value.code == 2
    assert "--levels" in capsys.readouterr().err
