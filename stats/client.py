"""The face the gateway reads the serving-stats windows through: the stats app's web
views over HTTP on loopback. The gateway never sees faust, its tables or their keys."""
from __future__ import annotations

from urllib.parse import quote

import httpx

from common.errors import PlatformError, Unavailable


class StatsWindowsClient:
    def __init__(self, base_url: str, timeout_s: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, transport=transport)

    async def data_type(self, data_type: str, width: str, limit: int) -> dict:
        """{"data_type", "width", "windows": [...]}: the newest `limit` windows, oldest first."""
        return await self._get(f"/windows/data-types/{quote(data_type, safe='')}", width, limit)

    async def model(self, name: str, width: str, limit: int) -> dict:
        """{"name", "width", "versions": {version: [...]}}: per version, as data_type()."""
        return await self._get(f"/windows/models/{quote(name, safe='')}", width, limit)

    async def _get(self, path: str, width: str, limit: int) -> dict:
        try:
            response = await self._http.get(path, params={"width": width, "limit": limit})
        except httpx.HTTPError as exc:
            raise Unavailable(f"the stats app does not answer ({type(exc).__name__}); is `python -m stats` "
                              f"running?") from exc
        if response.status_code == 200:
            return response.json()
        detail = _detail(response)
        if response.status_code == 503:
            raise Unavailable(f"the stats app is not ready: {detail}")
        raise PlatformError(f"the stats app refused: {detail}",
                            status_code=response.status_code if response.status_code < 500 else 502)

    async def close(self) -> None:
        await self._http.aclose()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text[:200]))
    except ValueError:
        return response.text[:200]
