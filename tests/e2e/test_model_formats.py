"""ONNX, PMML and TensorFlow SavedModel models, published through the admin API,
each scoring the same record the same way over HTTP and over Kafka."""
from __future__ import annotations

import json

import httpx
import pytest

from conftest import wait_for_status
from examples.kafka_native import ask
from tests import model_factory as mf

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
RECORD = [6.7, 3.0, 5.2, 2.3]


def saved_model_archive(tmp_path) -> bytes:
    export = tmp_path / "keras_iris"
    mf.keras_iris(str(export))
    return mf.pack_tgz(str(export))


@pytest.mark.parametrize("fmt", ["onnx", "pmml", "tensorflow"])
def test_each_format_scores_the_same_over_http_and_kafka(platform, admin, tmp_path, fmt, retire_afterwards):
    data = {"onnx": mf.onnx_iris, "pmml": mf.pmml_iris, "tensorflow": lambda: saved_model_archive(tmp_path)}[fmt]()
    data_type = f"fmt_{fmt}"
    admin.put(f"/v1/data-types/{data_type}/policy", json={"policy": "first", "params": {"deadline_ms": 2000}})
    descriptor = {"name": f"iris-{fmt}", "version": "1", "data_type": data_type, "format": fmt,
                  "input_schema": [{"name": f} for f in mf.FEATURES]}
    response = admin.post("/v1/models", data={"descriptor": json.dumps(descriptor)},
                          files={"file": (f"model.{fmt}", data)})
    assert response.status_code == 202, response.text
    retire_afterwards.append((f"iris-{fmt}", "1"))
    wait_for_status(admin, f"iris-{fmt}", "1", {"ready"}, timeout=240)
    for _ in range(20):  # the gateway re-reads the registry every second
        over_http = httpx.post(f"{platform.url}/v1/predict/{data_type}", json={"features": RECORD}, timeout=10)
        if over_http.status_code != 404:
            break
    assert over_http.status_code == 200, over_http.text
    body = over_http.json()
    over_kafka = ask(platform.bootstrap, data_type, RECORD)
    assert body["model"] == {"name": f"iris-{fmt}", "version": "1"}
    assert over_kafka.output.label == body["output"]["label"] in ({"pmml": "virginica"}.get(fmt, "2"),)
    assert list(over_kafka.output.values) == pytest.approx(body["output"]["values"], abs=1e-6)
