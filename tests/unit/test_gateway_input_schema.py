"""The gateway checks a record against its data type's input schema before it produces
anything: a wrong count, an unknown or a missing name is an immediate 422 that lists the
expected features in order; no schema, or models that disagree, check nothing (lists),
and a disagreement is a warning on /ready that names the data type and the versions."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.input_schema import MAX_NAMES_SHOWN, FeaturesMismatch, check_features, input_schemas, schema_disagreements
from gateway.core import PredictService
from gateway.readiness import Readiness
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.timeout(30)
IRIS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
EXPECTS = "iris expects 4 features, in this order: sepal_length, sepal_width, petal_length, petal_width"
RIGHT_NAMES = dict(zip(IRIS, (6.7, 3.0, 5.2, 2.3)))


@pytest.mark.parametrize("schema, features, error", [
    (IRIS, [5.1, 3.5, 1.4, 0.2], None),
    (IRIS, [1, 2], f"{EXPECTS}; got 2"),
    (IRIS, [1, 2, 3, 4, 5], f"{EXPECTS}; got 5"),
    (IRIS, RIGHT_NAMES, None),
    (IRIS, {**RIGHT_NAMES, "sepal_widht": 3.0}, f"{EXPECTS}; unknown: sepal_widht"),
    (IRIS, {k: v for k, v in RIGHT_NAMES.items() if k != "petal_width"}, f"{EXPECTS}; missing: petal_width"),
    (IRIS, {"sepal_length": 6.7, "sepal_widht": 3.0}, f"{EXPECTS}; unknown: sepal_widht; "
                                                      "missing: sepal_width, petal_length, petal_width"),
    ((), [1, 2], None),
    ((), [1, 2, 3, 4, 5], None),
    ((), RIGHT_NAMES, "iris's models publish no input schema, so its features can't be named"),
    (None, [1, 2], None),
    (None, {"anything": 1.0}, None),
    (("a", "a"), {"a": 1.0}, None),
], ids=["right-list", "short-list", "long-list", "right-names", "unknown-name", "missing-name",
        "unknown-and-missing", "no-schema-short-list", "no-schema-long-list", "no-schema-names",
        "disagreeing-models-list", "disagreeing-models-names", "schema-repeating-a-name"])
def test_check_features(schema, features, error):
    if error is None:
        check_features("iris", schema, features)
        return
    with pytest.raises(FeaturesMismatch) as raised:
        check_features("iris", schema, features)
    assert raised.value.status_code == 422 and raised.value.message.startswith(error)
    assert raised.value.detail and all(set(d) == {"loc", "msg"} for d in raised.value.detail)


def test_the_detail_locates_each_problem_like_a_validation_error():
    with pytest.raises(FeaturesMismatch) as raised:
        check_features("iris", IRIS, {"sepal_length": 6.7, "sepal_widht": 3.0, "petal_length": 5.2, "petal_width": 2.3})
    assert raised.value.detail == [{"loc": ["body", "features", "sepal_widht"], "msg": "unknown feature"},
                                   {"loc": ["body", "features", "sepal_width"], "msg": "missing feature"}]


def test_a_huge_schema_keeps_the_error_short():
    names = tuple(f"f{i}" for i in range(1000))
    with pytest.raises(FeaturesMismatch) as raised:
        check_features("wide", names, [1.0])
    assert f"f{MAX_NAMES_SHOWN - 1}, … ({1000 - MAX_NAMES_SHOWN} more); got 1" in raised.value.message


def model(name, data_type="iris", schema=IRIS, role="serve", status="ready") -> dict:
    """A model as the registry summarizes it in Redis."""
    return {"name": name, "version": "1", "data_type": data_type, "role": role, "status": status,
            "input_schema": [{"name": n, "type": "float"} for n in schema]}


@pytest.mark.parametrize("models, expected", [
    ([model("a"), model("b", role="backstop")], {"iris": IRIS}),
    ([model("a"), model("b", schema=())], {"iris": IRIS}),
    ([model("a", schema=()), model("b", schema=())], {"iris": ()}),
    ([model("a"), model("b", schema=IRIS[:3])], {}),
    ([model("a"), model("b", schema=("x", "y", "z", "w"))], {}),
    ([model("a"), model("old", schema=IRIS[:3], role="retired")], {"iris": IRIS}),
    ([model("a"), model("b", data_type="wide", schema=("x",))], {"iris": IRIS, "wide": ("x",)}),
    ([model("a"), {"name": "status-only", "version": "1", "status": "loading"}], {"iris": IRIS}),
], ids=["agreeing", "one-without-schema", "none-with-schema", "disagreeing-count", "disagreeing-names",
        "retired-ignored", "per-data-type", "no-descriptor-yet"])
def test_input_schemas_from_the_live_models(models, expected):
    assert input_schemas(models) == expected


# Over HTTP, without the lifespan (no broker, no Redis) --------------------------------
class RecordingProducer:
    def __init__(self):
        self.produced = []

    def produce_batch(self, topic, messages, on_delivery=None, callbacks=None, partition=None):
        self.produced.extend(topic for _ in messages)


@pytest.fixture
def gateway():
    settings = GatewaySettings(grace_ms=0)
    app = create_app(InfraSettings(), settings)
    producer = RecordingProducer()
    service = PredictService(settings, producer, "replies.test")
    service.known_data_types, service.input_schemas = {"iris": True}, {"iris": IRIS}
    app.state.service = service  # what the lifespan and the readiness refresh would set
    return app, producer


def post(app, path, body) -> httpx.Response:
    async def call():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            return await client.post(path, json=body)
    return asyncio.run(call())


@pytest.mark.parametrize("features", [[1, 2], [1, 2, 3, 4, 5], {**RIGHT_NAMES, "sepal_widht": 3.0},
                                      {k: v for k, v in RIGHT_NAMES.items() if k != "sepal_width"}],
                         ids=["short-list", "long-list", "unknown-name", "missing-name"])
def test_a_record_that_does_not_fit_is_422_and_nothing_is_produced(gateway, features):
    app, producer = gateway
    response = post(app, "/v1/predict/iris", {"features": features})
    assert response.status_code == 422
    assert response.json()["error"].startswith(EXPECTS) and response.json()["detail"]
    assert producer.produced == []


def test_a_record_that_fits_is_produced(gateway):
    app, producer = gateway
    response = post(app, "/v1/predict/iris", {"features": [5.1, 3.5, 1.4, 0.2], "deadline_ms": 1})
    assert response.status_code == 504  # nobody answers here: no rendezvous behind this app
    assert producer.produced == ["requests.iris"]


def test_the_openapi_spec_documents_the_422_with_the_error_body(gateway):
    app, _ = gateway
    response = app.openapi()["paths"]["/v1/predict/{data_type}"]["post"]["responses"]["422"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "input schema" in response["description"]


# Disagreement is reported on /ready ---------------------------------------------------
def versioned(name, version, schema=IRIS, **kw) -> dict:
    return {**model(name, schema=schema, **kw), "version": version}


@pytest.mark.parametrize("models, expected", [
    ([model("a"), model("b"), model("c", schema=())], []),
    ([model("a"), model("b", schema=IRIS[:3], role="retired")], []),
    ([versioned("a", "1"), versioned("a", "2", schema=IRIS[:3])],
     ["data type iris: its live models disagree on the input schema: a:1 expects 4 features (sepal_length, "
      "sepal_width, petal_length, petal_width); a:2 expects 3 features (sepal_length, sepal_width, petal_length)"]),
    ([model("a"), model("b"), model("c", schema=("x", "y")), model("d", data_type="wide", schema=("x",))],
     ["data type iris: its live models disagree on the input schema: a:1, b:1 expect 4 features (sepal_length, "
      "sepal_width, petal_length, petal_width); c:1 expects 2 features (x, y)"]),
    ([model("a", data_type="z", schema=("p",)), model("b", data_type="z", schema=("q",)),
      model("c", data_type="y", schema=("p",)), model("d", data_type="y", schema=("p", "q"))],
     ["data type y: its live models disagree on the input schema: c:1 expects 1 feature (p); "
      "d:1 expects 2 features (p, q)",
      "data type z: its live models disagree on the input schema: a:1 expects 1 feature (p); b:1 expects 1 feature (q)"]),
], ids=["agreeing-or-no-schema", "retired-ignored", "two-versions-of-one-model", "grouped-by-schema",
        "one-problem-per-data-type"])
def test_schema_disagreements_name_the_data_type_and_the_versions(models, expected):
    assert schema_disagreements(models) == expected
    assert all(data_type not in input_schemas(models) for data_type in ("iris", "y", "z") if
               any(p.startswith(f"data type {data_type}:") for p in expected))


def test_a_disagreement_shows_a_few_names_of_a_wide_schema():
    wide = tuple(f"f{i}" for i in range(100))
    [problem] = schema_disagreements([model("a", schema=wide), model("b", schema=wide[:99])])
    assert "a:1 expects 100 features (f0, f1, f2, f3, f4, f5, f6, f7, … (92 more))" in problem


class FakeRegistry:
    def __init__(self, models):
        self.models = lambda: models


class AnsweringProducer:
    def partition_counts(self, timeout):
        return {"requests.iris": 2}


def test_ready_reports_the_disagreement_and_the_rest_still_works():
    settings = GatewaySettings()
    service = PredictService(settings, RecordingProducer(), "replies.test")
    models = [versioned("a", "1"), versioned("a", "2", schema=("x", "y")), model("w", data_type="wide", schema=("x",))]
    readiness = Readiness(InfraSettings(), AnsweringProducer(), FakeRegistry(models), service, refresh_s=1)
    asyncio.run(readiness.refresh())
    assert readiness.problems() == []  # a warning: the gateway stays ready for every data type
    assert readiness.warnings() == [
        "data type iris: its live models disagree on the input schema: a:1 expects 4 features (sepal_length, "
        "sepal_width, petal_length, petal_width); a:2 expects 2 features (x, y)"]
    assert service.input_schemas == {"wide": ("x",)}  # iris's records go unchecked until its models agree
    models[1]["role"] = "retired"
    asyncio.run(readiness.refresh())
    assert readiness.warnings() == [] and service.input_schemas == {"iris": IRIS, "wide": ("x",)}
