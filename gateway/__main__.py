"""Run one gateway instance: `python -m gateway`."""
from __future__ import annotations

import uvicorn

from common import logs
from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import GatewaySettings


def main() -> None:
    infra, settings = InfraSettings(), GatewaySettings()
    logs.configure(infra.log_level, "gateway")
    # uvicorn turns SIGTERM into a graceful drain: stop accepting, finish in-flight, run shutdown.
    uvicorn.run(create_app(infra, settings), host=settings.host, port=settings.port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=10)


if __name__ == "__main__":
    main()
