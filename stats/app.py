"""The faust adapter of the serving stats: an agent folds decision records and late
scores into tumbling-window tables, one table per width, changelogged to Kafka.

faust reaches Kafka through aiokafka, not through common/kafka/: this one process is
the exception to the single Kafka wrapper, because faust's changelogged tables are
what it is for (docs/decisions/016-faust-serving-stats.md). It runs as one worker,
which holds every partition: a data type's decisions arrive on every partition (they
are keyed by request id), so a window's changelog partition comes from its key's own
hash (KeyPlacedTable), not from the partition of whichever record wrote it last. A key
therefore always lands on the same changelog partition, and recovery replays its
values in the order they were written."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Iterable

import faust

from common import codec
from common.errors import WireError
from common.settings import InfraSettings
from stats import windows
from stats.facts import Contribution, from_decision, from_late_score
from stats.settings import StatsSettings
from stats.table import KeyPlacedTable
from stats.watchdog import Watchdog

log = logging.getLogger(__name__)


class StatsApp:
    def __init__(self, infra: InfraSettings, settings: StatsSettings):
        self.settings = settings
        self.app = faust.App(
            settings.app_id, broker=f"kafka://{infra.kafka_bootstrap}", store="memory://",
            datadir=settings.data_dir, topic_partitions=infra.partitions, topic_replication_factor=1,
            consumer_auto_offset_reset="earliest", table_cleanup_interval=settings.cleanup_interval_s,
            web_enabled=True, web_bind=settings.web_host, web_host=settings.web_host, web_port=settings.web_port,
            broker_commit_interval=1.0, producer_acks=-1, Table=KeyPlacedTable,
            # Static membership (KIP-345): a worker restarted after kill -9 takes its old place
            # in the group at once, instead of waiting out the dead member's session. The
            # broker then hands it its previous assignment without a rebalance, so the id
            # names the tables and partitions: a worker with other tables is a new member,
            # and gets an assignment that includes their changelogs.
            consumer_group_instance_id=f"{settings.app_id}-p{infra.partitions}-{'-'.join(windows.WIDTHS)}",
            broker_session_timeout=10.0)
        self.tables = {name: self.app.Table(
            f"windows-{name}", default=dict, partitions=infra.partitions,
            help="JSON aggregates (stats/windows.py), keyed by data type or model version, "
                 "per tumbling window").tumbling(width, expires=settings.keep_s)
            for name, width in windows.WIDTHS.items()}
        self.folded = self.skipped = self.poison = 0  # records, since start: /metrics
        source = self.app.topic(settings.decisions_topic, settings.late_scores_topic,
                                key_serializer="raw", value_serializer="raw")
        self.app.agent(source, name="fold")(self._fold_stream)
        self._watchdog = Watchdog(infra, settings, lambda: (self.folded, self.skipped, self.poison))
        self.app.timer(settings.watch_interval_s, name="watchdog")(self._check_progress)

    def changelog_topics(self) -> dict[str, dict[str, str]]:
        """Each table's changelog topic and the config faust would declare it with. They
        are created before the worker joins its group (stats/__main__.py): one that
        faust creates while the group's first assignment is made is left out of it, and
        static membership would keep it out after every restart."""
        found = {}
        for wrapper in self.tables.values():
            topic = wrapper.table.changelog_topic
            found[topic.get_topic_name()] = {"cleanup.policy": "compact,delete",
                                             "retention.ms": str(int(topic.retention * 1000))}
        return found

    async def _check_progress(self) -> None:
        await self._watchdog.check(ready=self.app.tables.recovery.completed.is_set())

    async def _fold_stream(self, stream) -> None:
        async for events in stream.take_events(self.settings.batch_size, within=self.settings.batch_wait_s):
            self.fold_batch([(e.message.topic, e.message.partition, e.message.offset, e.message.timestamp,
                              e.value) for e in events])
            # The events are acknowledged (so their offsets committable) when this body ends.
            await asyncio.gather(*(table.table.written() for table in self.tables.values()))

    def fold_batch(self, records: Iterable[tuple[str, int, int, float, bytes]]) -> None:
        """Fold a batch, then write each window it touched once."""
        working: dict[tuple[str, str, float], dict] = {}
        changed: set[tuple[str, str, float]] = set()  # a replayed record changes nothing, and is not rewritten
        oldest = time.time() - self.settings.keep_s  # an expired window is never brought back
        for topic, partition, offset, timestamp, value in records:
            found = self._contributions(topic, partition, offset, timestamp, value)
            if found and found[0].at_s < oldest:  # one record's contributions share its time
                self.skipped += 1
                continue
            for contribution in found:
                for name, width in windows.WIDTHS.items():
                    start = windows.window_start(contribution.at_s, width)
                    slot = (name, contribution.key, start)
                    if slot not in working:
                        working[slot] = windows.copy(self._at(name, start)[contribution.key].value())
                    if windows.fold_into(working[slot], contribution, f"{topic}/{partition}", offset):
                        changed.add(slot)
        for name, key, start in changed:
            self._at(name, start)[key] = working[(name, key, start)]

    def _at(self, name: str, start: float):
        """The table as seen from the middle of the window that starts at `start`."""
        return self.tables[name].relative_to(float(start + windows.WIDTHS[name] / 2))

    def _contributions(self, topic: str, partition: int, offset: int, timestamp: float,
                       value: bytes) -> list[Contribution]:
        try:
            if topic == self.settings.decisions_topic:
                found = from_decision(codec.decode_decision(value))
            else:
                found = from_late_score(codec.decode_score(value), timestamp)
        except WireError as exc:
            # The registry dead-letters these already (one dead letter per bad record); here it is skipped.
            log.warning("skipped %s[%d]@%d: %s", topic, partition, offset, exc)
            self.poison += 1
            return []
        self.folded += 1
        return found
