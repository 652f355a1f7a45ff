"""The Open Inference Protocol v2 on the running platform, driven by the real Triton
client (tritonclient[http]) the way its users call Triton, KServe or MLServer. Each
row is one request through the rendezvous, with its own decision in the audit."""
from __future__ import annotations

import time

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from stack.demo import BACKSTOP, CHAMPION, FEATURES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
SETOSA, VIRGINICA = [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]
DEMO_VERSIONS = {f"{CHAMPION}:1", f"{BACKSTOP}:1"}


@pytest.fixture(scope="module")
def client(platform):
    client = triton.InferenceServerClient(platform.url.removeprefix("http://"), network_timeout=30)
    yield client
    client.close()


def test_health_readiness_and_metadata(client):
    assert client.is_server_live() and client.is_server_ready() and client.is_model_ready("iris")
    assert not client.is_model_ready("tulips")
    metadata = client.get_model_metadata("iris")
    assert [(i["name"], i["shape"]) for i in metadata["inputs"]] == [(f, [-1]) for f in FEATURES]
    assert [o["name"] for o in metadata["outputs"]] == ["label", "probabilities"]
    assert DEMO_VERSIONS <= set(metadata["versions"])
    assert client.get_server_metadata()["name"] == "rendezvous-serving"


def test_a_matrix_sent_as_raw_bytes_gets_one_decision_per_row(client, auditor):
    rows = np.array([SETOSA, VIRGINICA, SETOSA], dtype=np.float32)
    matrix = triton.InferInput("input", list(rows.shape), "FP32")
    matrix.set_data_from_numpy(rows)  # binary_data=True: tritonclient's default, the binary extension
    result = client.infer("iris", [matrix], request_id="batch-1")
    assert result.as_numpy("label").tolist() == ["0", "2", "0"]
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (3, 3) and probabilities.argmax(axis=1).tolist() == [0, 2, 0]
    response = result.get_response()
    assert response["id"] == "batch-1"
    request_ids = response["parameters"]["request_ids"].split(",")
    versions = response["parameters"]["model_versions"].split(",")
    reasons = response["parameters"]["reasons"].split(",")
    assert len(set(request_ids)) == 3 and set(versions) <= DEMO_VERSIONS and set(reasons) <= {"preferred", "backstop"}
    if len(set(versions)) == 1:
        assert f"{response['model_name']}:{response['model_version']}" == versions[0]
    for request_id, version, reason, row in zip(request_ids, versions, reasons, rows):
        decision = audit(auditor, request_id)
        assert decision["request"]["input"]["values"] == pytest.approx(row.tolist(), rel=1e-6)
        assert f"{decision['decision']['model']['name']}:{decision['decision']['model']['version']}" == version
        assert decision["decision"]["reason"] == reason


def test_one_tensor_per_feature_in_json(client):
    inputs = []
    for name, values in zip(FEATURES, zip(SETOSA, VIRGINICA)):
        feature = triton.InferInput(name, [2], "FP64")
        feature.set_data_from_numpy(np.array(values, dtype=np.float64), binary_data=False)
        inputs.append(feature)
    wanted = [triton.InferRequestedOutput("label", binary_data=False)]
    result = client.infer("iris", inputs, outputs=wanted)
    assert result.as_numpy("label").tolist() == ["0", "2"] and result.as_numpy("probabilities") is None


@pytest.mark.parametrize("model, rows, status, error", [
    ("tulips", [SETOSA], "404", "unknown model (data type) 'tulips'"),
    ("iris", [SETOSA[:3]], "422", "iris expects 4 features, in this order: " + ", ".join(FEATURES)),
], ids=["unknown-model", "wrong-width"])
def test_errors_reach_the_client_as_protocol_errors(client, model, rows, status, error):
    values = np.array(rows, dtype=np.float32)
    matrix = triton.InferInput("input", list(values.shape), "FP32")
    matrix.set_data_from_numpy(values)
    with pytest.raises(InferenceServerException) as raised:
        client.infer(model, [matrix])
    assert raised.value.status() == status and error in raised.value.message()


def audit(auditor, request_id: str, timeout: float = 20.0) -> dict:
    """The audit record of a request, once the registry has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = auditor.get(f"/v1/audit/{request_id}")
        if response.status_code == 200:
            return response.json()
        time.sleep(0.25)
    raise AssertionError(f"no audit record for {request_id}")
