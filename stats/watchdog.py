"""The stats worker's watchdog: a worker that is ready, with records waiting on its
source topics, and that neither folds nor commits anything for STATS_STALL_S, exits,
so that `make up` (or any supervisor) starts it again.

Why: a faust worker killed by kill -9 before its first offset commit was seen, twice
in about twenty runs, to restart, recover its windows, say "Worker ready" and then
fetch nothing at all (docs/decisions/016). Not diagnosed; a restart in the same
place after commits never showed it. Exiting is safe at any moment: an offset is
committed only once its windows are on the broker, so the restart folds whatever was
not committed, once (the offset marks in stats/windows.py)."""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Callable

from confluent_kafka.admin import AdminClient

from common.group_lag import lag_of_group
from common.kafka import base_config
from common.settings import InfraSettings
from stats.settings import StatsSettings

log = logging.getLogger(__name__)
STALLED_EXIT_CODE = 75  # EX_TEMPFAIL: started again, it is expected to work


class StallWatch:
    """Pure: fed, at each check, the worker's lag and a mark of its progress (what it
    folded and committed); says how long it has been stalled once that is stall_s or more."""

    def __init__(self, stall_s: float):
        self._stall_s = stall_s
        self._mark: object = None
        self._since: float | None = None

    def observe(self, now: float, lag: int, progress: object) -> float | None:
        if progress != self._mark or lag <= 0 or self._since is None:
            self._mark, self._since = progress, now  # it moved, or has nothing to do
            return None
        stalled = now - self._since
        return stalled if stalled >= self._stall_s else None

    def not_ready(self) -> None:
        """Recovering its tables: the worker does not fetch its sources yet, by design."""
        self._since = None


class Watchdog:
    """Checked on a faust timer: reads the lag off the event loop, and exits the
    process, as a kill -9 would, once the worker has stalled for STATS_STALL_S."""

    def __init__(self, infra: InfraSettings, settings: StatsSettings, progress: Callable[[], object],
                 on_stall: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self._infra, self._settings, self._progress = infra, settings, progress
        self._on_stall, self._clock = on_stall or exit_to_be_restarted, clock
        self._watch = StallWatch(settings.stall_s)
        self._admin: AdminClient | None = None  # made on the first check: nothing connects at construction

    async def check(self, ready: bool) -> None:
        if not ready:
            self._watch.not_ready()
            return
        if self._admin is None:
            self._admin = AdminClient(base_config(self._infra))
        sources = [self._settings.decisions_topic, self._settings.late_scores_topic]
        try:
            lag, committed = await asyncio.to_thread(lag_of_group, self._admin, self._settings.app_id, sources)
        except Exception as exc:  # a broker away for a moment is not a stall of ours
            log.warning("watchdog: could not read the group's lag: %s", exc)
            return
        stalled = self._watch.observe(self._clock(), lag, (committed, self._progress()))
        if stalled is not None:
            log.error("stalled: ready, %d records waiting, nothing folded or committed for %.0f s", lag, stalled)
            self._on_stall()


def exit_to_be_restarted() -> None:
    log.error("exiting (code %d) so that the worker is started again", STALLED_EXIT_CODE)
    logging.shutdown()
    os._exit(STALLED_EXIT_CODE)  # the process ends here, as after a kill -9
