"""Run one rendezvous instance: `python -m rendezvous`. Several share the partitions."""
from __future__ import annotations

import redis

from common.entrypoint import serve
from rendezvous.adapter import RendezvousService
from rendezvous.settings import RendezvousSettings


def main() -> None:
    serve("rendezvous", lambda infra: RendezvousService(infra, RendezvousSettings(),
                                                        redis.Redis.from_url(infra.redis_url)))


if __name__ == "__main__":
    main()
