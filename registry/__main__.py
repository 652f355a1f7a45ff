"""Run the registry service: `python -m registry`."""
from __future__ import annotations

import signal

import redis

from common import logs
from common.settings import InfraSettings
from registry.adapter import RegistryService
from registry.settings import RegistrySettings


def main() -> None:
    infra = InfraSettings()
    logs.configure(infra.log_level, "registry")
    service = RegistryService(infra, RegistrySettings(), redis.Redis.from_url(infra.redis_url))
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    service.run()


if __name__ == "__main__":
    main()
