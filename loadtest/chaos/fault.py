"""What a fault is, and what it may touch: the contract between the fault matrix's
runner and each fault. A fault acts only on the platform it is given, by PID, so a run
never touches a process it did not start."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol


class Platform(Protocol):
    """A running `python -m stack up`, as a fault sees it."""

    run_dir: Path
    url: str  # the first gateway's base URL
    env: dict[str, str]  # the environment `stack up` ran with (tokens, KAFKA_BOOTSTRAP, REDIS_URL, ...)
    memo: dict[str, object]  # what a fault's inject leaves for its verify (a PID it killed, ...)

    def pid_of(self, name: str) -> int:
        """The current PID of one process `stack up` named ("gateway", "rendezvous-2",
        "redis", "broker", ...): read again on each call, since restarts change it."""
        ...

    def say(self, line: str) -> None:
        """A line of progress for the operator watching the run."""
        ...


@dataclass(frozen=True)
class Fault:
    name: str  # as the table in docs/reliability.md shows it: "kill -9 of the gateway"
    inject: Callable[[Platform], None]
    # Undoes what the platform cannot heal by itself (SIGCONT after a pause, a restart
    # nobody supervises); None when the platform recovers alone.
    heal: Callable[[Platform], None] | None = None
    up_args: tuple[str, ...] = ()  # extra `stack up` options it needs: ("--rendezvous", "2")
    cheap: bool = False  # cheap enough for `make test`
    settle_s: float = 0.0  # how long after inject to wait before heal
    load_after_s: float = 0.0  # at least this much load after the injection (a slow recovery), if more than the run's
    notes: list[str] = field(default_factory=list)
    # After the load, while the platform still runs: checks of its own beyond the ledger
    # (audit records that survived, replicas that did not leak). Given the ledger's
    # entries and the wall-clock time of the injection; returns figures for the result,
    # with "problems": [sentence, ...] when something is wrong.
    verify: Callable[[Platform, list[dict], float], dict] | None = None
