"""validate_in_subprocess: good models give "", every bad one a clear reason, and a
crash, hang or bad download in the throwaway child never takes this process with it."""
from __future__ import annotations

import importlib.util
import re
import socket
import sys
import time

import pytest

from model_runners import validate
from model_runners.validate import validate_in_subprocess
from tests import model_factory as mf

pytestmark = pytest.mark.timeout(60)
needs_tensorflow = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs tensorflow")


@pytest.mark.parametrize("fmt, make", [("onnx", mf.onnx_iris), ("pmml", mf.pmml_iris)], ids=["onnx", "pmml"])
def test_a_good_model_passes(fmt, make):
    assert validate_in_subprocess(mf.descriptor_bytes(fmt, make())) == ""


@needs_tensorflow
@pytest.mark.timeout(180)
def test_a_good_tensorflow_model_passes(tmp_path):
    mf.tf_petal_width(str(tmp_path))
    data = mf.pack_tgz(str(tmp_path), top="export")
    assert validate_in_subprocess(mf.descriptor_bytes("tensorflow", data, features=mf.FEATURES[:3]),
                                  timeout_s=150) == ""


@pytest.mark.parametrize("fmt, make, fragment", [
    ("onnx", mf.truncated_onnx, "not a valid ONNX model"),
    ("onnx", mf.bit_flipped_onnx, "not a valid ONNX model"),
    ("onnx", mf.bit_flipped_op_onnx, "ONNX Runtime could not load the model: .*No Op registered for Minear"),
    ("onnx", mf.onnx_with_external_data, "ONNX models with external data are not accepted"),
    ("onnx", mf.pickled_model, "not a valid ONNX model"),
    ("onnx", mf.onnx_memory_bomb, "could not score a row of zeros: .*Failed to allocate memory"),
    ("pmml", mf.pickled_model, "PMML must be UTF-8 XML text"),
    ("tensorflow", mf.pickled_model, "not a readable .tar, .tar.gz or .zip SavedModel archive"),
    ("pmml", mf.pmml_with_external_entity, "PMML with a DOCTYPE/entity declaration is not accepted"),
    ("pmml", mf.pmml_billion_laughs, "PMML with a DOCTYPE/entity declaration is not accepted"),
], ids=["truncated-onnx", "bit-flipped-onnx", "bit-flipped-op-onnx", "external-data-onnx", "pickle-as-onnx",
        "memory-bomb-onnx", "pickle-as-pmml", "pickle-as-tensorflow", "pmml-xxe", "pmml-billion-laughs"])
def test_a_bad_model_gives_a_clear_reason(fmt, make, fragment):
    reason = validate_in_subprocess(mf.descriptor_bytes(fmt, make()))
    assert reason
    assert re.search(fragment, reason), reason


def test_a_model_that_cannot_score_its_schema_gives_the_row_error():
    reason = validate_in_subprocess(mf.descriptor_bytes("onnx", mf.onnx_iris(), features=mf.FEATURES[:3]))
    assert reason.startswith("the model could not score a row of zeros: ONNX Runtime:"), reason


@pytest.mark.parametrize("data, fragment", [
    (b"\xff\xff not protobuf", "not a valid ModelDescriptor"),
    (mf.descriptor_bytes("sklearn", b"x"), "unsupported format 'sklearn'"),
    (mf.descriptor_bytes("onnx", b""), "neither inline bytes nor a location"),
])
def test_a_bad_descriptor_gives_a_clear_reason(data, fragment):
    assert fragment in validate_in_subprocess(data)


def test_an_unreachable_allowed_url_gives_a_clear_reason(monkeypatch):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "127.0.0.1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reason = validate_in_subprocess(mf.descriptor_bytes("onnx", location=f"http://127.0.0.1:{port}/m.onnx"))
    assert reason.startswith(f"artifact location unreachable: http://127.0.0.1:{port}/m.onnx: ConnectError"), reason


@pytest.mark.parametrize("code, signal_number", [("import os; os.abort()", 6),
                                                 ("import ctypes; ctypes.string_at(0)", 11)],
                         ids=["abort", "segfault"])
def test_a_crashing_child_is_reported_and_this_process_survives(monkeypatch, code, signal_number):
    """Stands in for a model that crashes ONNX Runtime (onnxruntime #4349, #4585)."""
    monkeypatch.setattr(validate, "CHILD_COMMAND", (sys.executable, "-c", code))
    reason = validate_in_subprocess(mf.descriptor_bytes("onnx", mf.onnx_iris()))
    assert reason == f"the model crashed the validating process (signal {signal_number})"


def test_a_hanging_child_is_killed_with_its_children(monkeypatch, tmp_path):
    pids = tmp_path / "pids"
    code = ("import subprocess, sys, time\n"
            "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            f"open({str(pids)!r}, 'w').write(f'{{grandchild.pid}}')\n"
            "time.sleep(60)\n")
    monkeypatch.setattr(validate, "CHILD_COMMAND", (sys.executable, "-c", code))
    started = time.monotonic()
    assert validate_in_subprocess(b"", timeout_s=2) == "loading took longer than 2 s"
    assert time.monotonic() - started < 10
    grandchild = int(pids.read_text())
    assert wait_gone(grandchild), "the child's own child (a JVM, say) outlived the timeout"


def wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    """True once pid is gone or a zombie awaiting its reaper."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_child_that_dies_without_answering_gives_its_last_error(monkeypatch):
    monkeypatch.setattr(validate, "CHILD_COMMAND", (sys.executable, "-c", "raise SystemExit('out of luck')"))
    assert validate_in_subprocess(b"") == "the validating process exited with status 1: out of luck"


def test_a_child_that_cannot_start_gives_a_reason(monkeypatch):
    monkeypatch.setattr(validate, "CHILD_COMMAND", ("/nonexistent/python",))
    assert validate_in_subprocess(b"").startswith("could not start the validating process")
