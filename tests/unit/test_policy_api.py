"""PUT /v1/data-types/{data_type}/policy: each policy's typed parameters, validated when
the policy is set, shown in the OpenAPI spec, and published as the strings the
rendezvous builds the policy from. The app runs without its lifespan (no broker): a
producer that records what it is given stands in on app.state."""
from __future__ import annotations

import pytest

from common import codec, topics
from common.policies import REGISTRY, build_policy
from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import GatewaySettings
from test_gateway_auth import Client, bearer

pytestmark = pytest.mark.timeout(30)
ADMIN = "admin-secret-token"


class RecordingProducer:
    def __init__(self):
        self.sent = []

    def produce(self, topic, value, key=None, on_delivery=None):
        self.sent.append((topic, value, key))


@pytest.fixture
def app():
    settings = GatewaySettings(admin_token=ADMIN)
    app = create_app(InfraSettings(), settings)
    app.state.settings, app.state.producer = settings, RecordingProducer()
    return app


def put(app, body):
    return Client(app).put("/v1/data-types/iris/policy", json=body, headers=bearer(ADMIN))


def test_a_valid_policy_is_published_as_the_strings_the_rendezvous_reads(app):
    response = put(app, {"policy": "deadline", "params": {"preferred": "forest", "deadline_ms": 80}})
    assert response.status_code == 202
    [(topic, value, key)] = app.state.producer.sent
    published = codec.decode_policy(value)
    assert (topic, key, published.policy) == (topics.POLICIES, "iris", "deadline")
    assert published.params == {"preferred": "forest", "deadline_ms": "80"}  # defaults stay defaults
    policy = build_policy(published.policy, published.params)
    assert (policy.preferred, policy.backstop, policy.deadline_ms) == ("forest", "", 80)


@pytest.mark.parametrize("body, loc", [
    ({"policy": "deadline", "params": {"backstop": "logreg"}}, ["body", "deadline", "params", "preferred"]),
    ({"policy": "consensus", "params": {"quorum": 2}}, ["body", "consensus", "params", "quorum"]),
    ({"policy": "first", "params": {"preferred": "x"}}, ["body", "first", "params", "preferred"]),
    ({"policy": "quality", "params": {"by": "confidence", "min_quality": 0.5}}, ["body", "quality", "params"]),
    ({"policy": "fastest"}, ["body"]),
    # Only the JSON types the spec declares: pydantic's lax mode, which the topic's strings need, would take these.
    ({"policy": "quality", "params": {"min_quality": False}}, ["body", "quality", "params"]),
    ({"policy": "quality", "params": {"min_quality": ""}}, ["body", "quality", "params"]),
    ({"policy": "first", "params": {"deadline_ms": "50"}}, ["body", "first", "params"]),
    ({"policy": "consensus", "params": {"quorum": True}}, ["body", "consensus", "params"]),
], ids=["missing-preferred", "quorum-below-three", "unknown-param", "min-quality-needs-metric", "unknown-policy",
        "false-for-a-number", "empty-string-for-a-number", "string-for-an-integer", "true-for-an-integer"])
def test_bad_parameters_are_refused_before_anything_is_published(app, body, loc):
    response = put(app, body)
    assert response.status_code == 422 and response.json()["error"] == "invalid request"
    assert loc in [d["loc"] for d in response.json()["detail"]]
    assert app.state.producer.sent == []


def test_the_openapi_spec_shows_every_policy_and_its_parameters(app):
    spec = app.openapi()
    body = spec["paths"]["/v1/data-types/{data_type}/policy"]["put"]["requestBody"]["content"]["application/json"]
    assert set(body["schema"]["discriminator"]["mapping"]) == set(REGISTRY)
    schemas = spec["components"]["schemas"]
    assert schemas["DeadlineParams"]["required"] == ["preferred"]
    assert schemas["ConsensusParams"]["properties"]["quorum"]["minimum"] == 3
    assert schemas["QualityParams"]["properties"]["by"]["enum"] == ["metric", "confidence"]
    assert all(schemas[f"{n.capitalize()}Params"]["additionalProperties"] is False for n in REGISTRY)
