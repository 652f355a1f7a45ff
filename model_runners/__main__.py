"""Run the runner supervisor: `python -m model_runners`. It connects to RAY_ADDRESS,
or starts a local Ray that stops with it."""
from __future__ import annotations

import signal

from common import logs
from common.settings import InfraSettings
from model_runners.settings import RunnerSettings
from model_runners.supervisor import Supervisor


def main() -> None:
    infra = InfraSettings()
    logs.configure(infra.log_level, "runners")
    supervisor = Supervisor(infra, RunnerSettings())
    # After connecting: ray.init installs its own SIGTERM handler, which would exit at once
    # instead of draining the replicas.
    supervisor.connect()
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stop())
    signal.signal(signal.SIGINT, lambda *_: supervisor.stop())
    supervisor.run()


if __name__ == "__main__":
    main()
