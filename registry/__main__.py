"""Run the registry service: `python -m registry`."""
from __future__ import annotations

import redis

from common.entrypoint import serve
from registry.adapter import RegistryService
from registry.settings import RegistrySettings


def main() -> None:
    serve("registry", lambda infra: RegistryService(infra, RegistrySettings(), redis.Redis.from_url(infra.redis_url)))


if __name__ == "__main__":
    main()
