"""Overload against the real broker and Redis: a gateway whose platform answers nothing
admits only its floor of requests, and sheds the rest of a burst at once with 503 and
Retry-After, before anything is produced. No runner serves the data type here, so the
admitted request waits out its deadline whatever the machine's speed: the outcome does
not depend on timing."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from common import topics
from common.kafka import ensure_topics
from gateway.adapter import create_app
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.timeout(120)
BURST = 12


def test_a_burst_beyond_the_admission_limit_gets_503_with_retry_after(infra, unique):
    data_type = f"overload{unique}"
    ensure_topics(infra, [topics.requests_topic(data_type)])
    settings = GatewaySettings(instance_id=f"gw{unique}", admission_min_limit=2, grace_ms=0,
                               registry_refresh_s=3600)  # keeps the data type set below
    app = create_app(infra, settings)

    async def burst():
        async with app.router.lifespan_context(app):
            # A data type with a ready model, as the registry would report it; its runners never answer.
            app.state.service.known_data_types = {data_type: True}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
                post = lambda: client.post(f"/v1/predict/{data_type}",  # noqa: E731 - one call, many times
                                           json={"features": [5.1, 3.5, 1.4, 0.2], "deadline_ms": 300})
                responses = await asyncio.gather(*(post() for _ in range(BURST)))
                after = await post()  # the admitted requests have left: places are free again
        return responses, after

    responses, after = asyncio.run(burst())
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [503] * (BURST - 2) + [504] * 2
    for shed in (r for r in responses if r.status_code == 503):
        assert shed.headers["retry-after"] == "1"
        assert "requests in flight" in shed.json()["error"]
    assert after.status_code == 504
