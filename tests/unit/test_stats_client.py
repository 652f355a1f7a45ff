"""The gateway's face on the stats app: what it asks for, and how the app being down,
recovering or refusing becomes the gateway's error (503 with Retry-After, or the 4xx)."""
import asyncio

import httpx
import pytest

from common.errors import PlatformError, Unavailable
from stats.client import StatsWindowsClient

pytestmark = pytest.mark.timeout(10)


def call(handler, method: str, *args):
    async def go():
        client = StatsWindowsClient("http://stats.test", transport=httpx.MockTransport(handler))
        try:
            return await getattr(client, method)(*args)
        finally:
            await client.close()
    return asyncio.run(go())


def test_it_asks_for_the_width_and_limit_and_returns_the_series():
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"data_type": "iris", "width": "60s", "windows": []})

    assert call(handler, "data_type", "iris", "60s", 5)["width"] == "60s"
    call(handler, "model", "iris-forest", "10s", 60)
    assert seen == ["http://stats.test/windows/data-types/iris?width=60s&limit=5",
                    "http://stats.test/windows/models/iris-forest?width=10s&limit=60"]


def test_down_or_recovering_is_unavailable_and_retryable():
    def refused(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(Unavailable, match="does not answer"):
        call(refused, "data_type", "iris", "10s", 1)
    with pytest.raises(Unavailable, match="still being recovered") as caught:
        call(lambda r: httpx.Response(503, json={"detail": "the stats tables are still being recovered"}),
             "model", "m", "10s", 1)
    assert caught.value.status_code == 503 and caught.value.retryable


def test_a_refusal_keeps_its_4xx_and_a_server_error_becomes_502():
    with pytest.raises(PlatformError) as refused:
        call(lambda r: httpx.Response(422, json={"detail": "width must be one of 10s, 60s"}), "model", "m", "5s", 1)
    assert refused.value.status_code == 422 and "width must be" in refused.value.message
    with pytest.raises(PlatformError) as broken:
        call(lambda r: httpx.Response(500, text="boom"), "model", "m", "10s", 1)
    assert broken.value.status_code == 502
