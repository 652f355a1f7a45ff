"""The committed generated code must match proto/ (regenerate with `make generate`)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(60)


def test_generated_code_matches_proto(tmp_path):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", str(ROOT / "proto"),
                    f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", str(ROOT / "proto/serving.proto")],
                   check=True)
    for name in ("serving_pb2.py", "serving_pb2.pyi"):
        committed = (ROOT / "common/wire" / name).read_text()
        assert (tmp_path / name).read_text() == committed, f"common/wire/{name} drifted: run `make generate`"
