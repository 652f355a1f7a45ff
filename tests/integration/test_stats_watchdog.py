"""The stats watchdog on the real broker: a ready worker whose group has records
waiting and that makes no progress for STATS_STALL_S is told to exit; one that makes
progress, or is still recovering, is not. (The stall it guards against, a faust worker
that fetches nothing after a restart, could not be produced on demand: decision 016.)"""
import asyncio

import pytest

from common.kafka import KafkaProducer, ensure_topics
from stats.settings import StatsSettings
from stats.watchdog import Watchdog

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_ready_worker_with_records_waiting_and_no_progress_is_told_to_exit(infra, unique):
    decisions, late = f"decisions-{unique}", f"late-{unique}"
    ensure_topics(infra, [decisions, late])
    producer = KafkaProducer(infra)
    producer.produce_batch(decisions, [(None, b"d")] * 4)
    assert producer.flush() == 0
    producer.close()
    settings = StatsSettings(app_id=f"stats-{unique}", decisions_topic=decisions, late_scores_topic=late, stall_s=30)
    progress, clock, exits = [0], Clock(), []
    watchdog = Watchdog(infra, settings, lambda: tuple(progress), on_stall=lambda: exits.append(clock.now),
                        clock=clock)

    async def check_at(now: float, ready: bool = True) -> None:
        clock.now = now
        await watchdog.check(ready)

    async def scenario():
        await check_at(0)
        await check_at(29)
        assert exits == []
        progress[0] += 1  # it folded something: the clock starts again
        await check_at(40)
        await check_at(69)
        assert exits == []
        await check_at(70, ready=False)  # recovering its tables: sources paused by design
        await check_at(90)
        await check_at(119)
        assert exits == []
        await check_at(120)
        assert exits == [120]  # 4 records waiting, nothing folded or committed for 30 s
    asyncio.run(scenario())
