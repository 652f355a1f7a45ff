"""The windows as a series over time, served by the stats app's own web server (faust's
aiohttp, on loopback) for the gateway to relay:
  GET /windows/data-types/{data_type}?width=10s&limit=60
  GET /windows/models/{name}?width=10s&limit=60
Newest `limit` windows, oldest first. 503 until the tables are recovered from their
changelogs: a half-recovered series would look like a traffic drop."""
from __future__ import annotations

import time

from stats import windows
from stats.app import StatsApp
from stats.facts import data_type_key, model_prefix

MAX_LIMIT = 1000


def install(stats: StatsApp) -> None:
    app = stats.app

    @app.page("/windows/data-types/{data_type}")
    async def data_type_windows(web, request, data_type: str):
        problem = _problem(stats, request.query)
        if problem:
            return web.json({"detail": problem[1]}, status=problem[0])
        width, limit = _width_and_limit(request.query)
        key = data_type_key(data_type)
        series = [windows.data_type_view(start, windows.WIDTHS[width], value)
                  for start, value in _series(stats, width, key, limit)]
        return web.json({"data_type": data_type, "width": width, "windows": series})

    @app.page("/windows/models/{name}")
    async def model_windows(web, request, name: str):
        problem = _problem(stats, request.query)
        if problem:
            return web.json({"detail": problem[1]}, status=problem[0])
        width, limit = _width_and_limit(request.query)
        prefix = model_prefix(name)
        versions = {key[len(prefix):] for key in _keys(stats, width) if key.startswith(prefix)}
        return web.json({"name": name, "width": width, "versions": {
            version: [windows.model_view(start, windows.WIDTHS[width], value)
                      for start, value in _series(stats, width, prefix + version, limit)]
            for version in sorted(versions)}})


def _problem(stats: StatsApp, query) -> tuple[int, str] | None:
    if query.get("width", "10s") not in windows.WIDTHS:
        return 422, f"width must be one of {', '.join(windows.WIDTHS)}"
    limit = query.get("limit", "60")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        return 422, f"limit must be a whole number from 1 to {MAX_LIMIT}"
    if not stats.app.tables.recovery.completed.is_set():
        return 503, "the stats tables are still being recovered from their changelogs"
    return None


def _width_and_limit(query) -> tuple[str, int]:
    return query.get("width", "10s"), int(query.get("limit", "60"))


def _keys(stats: StatsApp, width: str):
    return {key for key, _window in stats.tables[width].table.data.keys()}


def _series(stats: StatsApp, width: str, key: str, limit: int) -> list[tuple[float, dict]]:
    """The key's windows that have not expired, newest `limit` of them, oldest first.
    Expired ones are left out here too: faust drops them only every
    STATS_CLEANUP_INTERVAL_S."""
    oldest = time.time() - stats.settings.keep_s
    found = sorted((window[0], value) for (k, window), value in stats.tables[width].table.data.items()
                   if k == key and window[0] + windows.WIDTHS[width] > oldest and value)
    return found[-limit:]
