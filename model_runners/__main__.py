"""Run the runner supervisor: `python -m model_runners`. It connects to RAY_ADDRESS,
or starts a local Ray that stops with it."""
from __future__ import annotations

import os
import signal

from common import logs
from common.settings import InfraSettings
from model_runners.supervisor import Supervisor


def main() -> None:
    infra = InfraSettings()
    logs.configure(infra.log_level, "runners")
    # A local Ray schedules replicas by logical CPUs. A replica mostly waits on the broker,
    # so the local default offers 8 logical CPUs per core: at 0.25 each, 32 replicas a core.
    logical_cpus = int(os.environ.get("RAY_NUM_CPUS", 0)) or 8 * (os.cpu_count() or 1)
    supervisor = Supervisor(infra, ray_num_cpus=logical_cpus)
    # After connecting: ray.init installs its own SIGTERM handler, which would exit at once
    # instead of draining the replicas.
    supervisor.connect()
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stop())
    signal.signal(signal.SIGINT, lambda *_: supervisor.stop())
    supervisor.run()


if __name__ == "__main__":
    main()
