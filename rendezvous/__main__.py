"""Run one rendezvous instance: `python -m rendezvous`. Several share the partitions."""
from __future__ import annotations

import signal

import redis

from common import logs
from common.settings import InfraSettings
from rendezvous.adapter import RendezvousService
from rendezvous.settings import RendezvousSettings


def main() -> None:
    infra = InfraSettings()
    logs.configure(infra.log_level, "rendezvous")
    service = RendezvousService(infra, RendezvousSettings(), redis.Redis.from_url(infra.redis_url))
    # SIGTERM drains: the loop finishes its batch, stores offsets and leaves the group.
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    service.run()


if __name__ == "__main__":
    main()
