"""The ledger check on hand-written ledgers: each kind of problem, and a clean run."""

import orjson
import pytest

from loadtest.cli import main
from loadtest.ledger import read_ledger
from loadtest.ledger_check import check_entries, check_ledger

pytestmark = pytest.mark.timeout(30)


def line(client_id, status=200, request_id=None, version="1", reason="preferred", **extra):
    """A combined send+answer line as the HTTP transport writes it."""
    entry = {
        "client_id": client_id, "scheduled_at": 100.0, "sent_at": 100.0, "status": status,
        "request_id": request_id if request_id is not None else f"r-{client_id}",
        "model_name": "iris-lr", "model_version": version, "reason": reason,
        "answered_at": 100.01, "latency_ms": 10.0, "service_ms": 10.0, "warmup": False,
    }
    entry.update(extra)
    return entry


def write(tmp_path, entries, name="ledger.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entries))
    return path


def test_clean_ledger_passes(tmp_path):
    path = write(tmp_path, [line("a"), line("b"), line("c", status=504, reason="timeout", version=None)])
    result = check_ledger(path, deadline_grace_ms=500)
    assert result["passed"] and result["failures"] == []
    assert (result["lost"], result["duplicate"], result["unexpected"], result["wrong_version"]) == (0, 0, 0, 0)
    assert result["by_status"] == {"200": 2, "504": 1}
    assert result["by_reason"] == {"preferred": 2, "timeout": 1}
    assert result["latency_ms"]["p50"] == 10.0


def test_server_errors_and_transport_failures_are_lost():
    entries = [line("a", status=500), line("b", status="error", request_id="", reason=None),
               line("c", status=504, reason=None), line("d")]
    result = check_entries(entries, 500)
    assert result["lost"] == 3 and set(result["examples"]["lost"]) == {"a", "b", "c"}
    assert result["failures"] == ["lost"] and not result["passed"]


def test_rejections_are_not_lost():
    entries = [line(c, status=s, reason=None) for c, s in (("a", 429), ("b", 503), ("c", 404), ("d", 422))]
    result = check_entries(entries, 500)
    assert result["lost"] == 0 and result["rejected"] == 4 and result["passed"]


def test_send_without_any_answer_is_lost():
    send_only = {"client_id": "k", "scheduled_at": 1.0, "sent_at": 1.0}
    result = check_entries([send_only], 500)
    assert result["lost"] == 1 and result["sent"] == 1 and result["answers"] == 0


def test_second_answer_for_a_client_id_is_duplicate():
    send = {"client_id": "k", "scheduled_at": 1.0, "sent_at": 1.0}
    answer = {"client_id": "k", "status": "ok", "request_id": "r1", "model_name": "m", "model_version": "1"}
    result = check_entries([send, answer, dict(answer)], 500)
    assert result["duplicate"] == 1 and result["lost"] == 0 and result["failures"] == ["duplicate"]


def test_same_request_id_for_two_clients_is_duplicate():
    result = check_entries([line("a", request_id="same"), line("b", request_id="same")], 500)
    assert result["duplicate"] == 1 and result["examples"]["duplicate"] == ["same"]


def test_answer_for_an_id_never_sent_is_unexpected():
    stray = {"client_id": "ghost", "status": "ok", "request_id": "r9"}
    result = check_entries([line("a"), stray], 500)
    assert result["unexpected"] == 1 and result["examples"]["unexpected"] == ["ghost"]
    assert result["failures"] == ["unexpected"]


def test_model_version_outside_known_versions_is_wrong():
    entries = [line("a", version="1"), line("b", version="2"), line("c", status=504, reason="timeout", version=None)]
    result = check_entries(entries, 500, known_versions={("iris-lr", "1")})
    assert result["wrong_version"] == 1 and result["examples"]["wrong_version"] == ["r-b"]
    assert check_entries(entries, 500)["wrong_version"] == 0  # not checked without known versions


def test_answer_past_deadline_plus_grace_is_late_but_not_failing():
    entries = [line("a", deadline_ms=100, service_ms=550.0), line("b", deadline_ms=100, service_ms=700.0)]
    result = check_entries(entries, deadline_grace_ms=500)
    assert result["late"] == 1 and result["passed"]


def test_warmup_lines_are_checked_but_not_in_latency():
    entries = [line("a", warmup=True, latency_ms=900.0), line("b", latency_ms=5.0)]
    result = check_entries(entries, 500)
    assert result["latency_ms"]["count"] == 1 and result["latency_ms"]["p99"] == 5.0


def test_malformed_ledger_line_names_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps(line("a")) + b"\n{not json\n")
    with pytest.raises(ValueError, match=":2:"):
        read_ledger(path)


def test_check_command_exit_status(tmp_path, capsys):
    clean = write(tmp_path, [line("a")])
    assert main(["check", str(clean)]) == 0
    assert "PASS" in capsys.readouterr().out
    lossy = write(tmp_path, [line("a", status=500)], name="lossy.jsonl")
    assert main(["check", str(lossy)]) == 1
    assert main(["check", str(lossy), "--no-fail"]) == 0
    assert main(["check", str(clean), "--known-versions", "iris-lr:2", "--json"]) == 1
    assert '"wrong_version": 1' in capsys.readouterr().out


def test_the_answer_that_every_model_failed_is_an_answer_not_a_loss():
    sends = [{"client_id": c, "sent_at": 1.0} for c in ("http", "kafka", "other-5xx")]
    answers = [{"client_id": "http", "request_id": "r1", "status": 502, "reason": "error", "answered_at": 1.1},
               {"client_id": "kafka", "request_id": "r2", "status": "model-error", "reason": "error",
                "answered_at": 1.1},
               {"client_id": "other-5xx", "request_id": "r3", "status": 500, "answered_at": 1.1}]
    result = check_entries(sends + answers, deadline_grace_ms=1000)
    assert result["lost"] == 1 and result["duplicate"] == 0
