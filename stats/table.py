"""The table class of the stats app: faust's Table with three of its behaviours
changed, each found by a test or by reading faust-streaming 0.15.3's source
(docs/decisions/016-faust-serving-stats.md)."""
from __future__ import annotations

import asyncio
import zlib

import faust


class KeyPlacedTable(faust.Table):
    """A table whose changelog partition is a hash of the key (of a windowed key, the key
    without its window): faust's own `use_partitioner=True` asks aiokafka's partitioner,
    which fails on a changelog topic the producer has no metadata for yet.

    It also remembers its changelog writes until `written()` confirms them. faust
    flushes its producer before it commits the source offsets, but its flush gives up
    after 0.1 s without a send; on a busy machine it then commits offsets whose window
    writes were still queued, and a kill -9 loses them (seen once in about six runs of
    tests/integration/test_stats_app.py). The agent awaits `written()` before its
    records are acknowledged, so an offset is committed only once its windows are on
    the broker."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._unconfirmed: list[asyncio.Future] = []

    def send_changelog(self, *args, **kwargs):
        sent = super().send_changelog(*args, **kwargs)
        self._unconfirmed.append(sent)
        return sent

    async def written(self) -> None:
        """Wait until the broker has every changelog write made so far."""
        pending, self._unconfirmed = self._unconfirmed, []
        if pending:
            await asyncio.gather(*pending)

    def partition_for_key(self, key) -> int:
        plain = key[0] if isinstance(key, tuple) else key
        return zlib.crc32(str(plain).encode()) % self.partitions

    async def on_recovery_completed(self, active_tps, standby_tps) -> None:
        """faust gives a window an expiry only when it writes it, not when it recovers it
        from the changelog: without this, the windows recovered at each restart would stay
        in memory for good."""
        await super().on_recovery_completed(active_tps, standby_tps)
        if self.window is not None and self.window.expires:
            for key in list(self.data.keys()):
                self._maybe_set_key_ttl(key, self.partition_for_key(key))
