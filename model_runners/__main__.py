"""Run the runner supervisor: `python -m model_runners`. It connects to RAY_ADDRESS,
or starts a local Ray that stops with it."""
from __future__ import annotations

from common.entrypoint import serve
from common.settings import InfraSettings
from model_runners.settings import RunnerSettings
from model_runners.supervisor import Supervisor


def connected_supervisor(infra: InfraSettings) -> Supervisor:
    supervisor = Supervisor(infra, RunnerSettings())
    supervisor.connect()  # before serve() sets its signal handlers: ray.init installs its own
    return supervisor


def main() -> None:
    serve("runners", connected_supervisor)


if __name__ == "__main__":
    main()
