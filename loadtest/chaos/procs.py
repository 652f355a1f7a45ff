"""Finding the processes of one platform from /proc, by process group: `stack up` starts
each service in a session of its own, and the local Ray the runner supervisor starts
(its GCS, raylet and actor workers) stays in the supervisor's group. So the replicas
found here are this platform's, never another Ray's on the same machine."""
from __future__ import annotations

import os
import re
from pathlib import Path


def pids_in_group(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is `pgid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry)
        if stat and stat[1] != "Z" and int(stat[3]) == pgid:
            found.append(int(entry.name))
    return sorted(found)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def ray_actor_pids(pgid: int, actor_class: str) -> list[int]:
    """PIDs of the Ray workers in group `pgid` that host an actor of this class: Ray
    names such a worker's process `ray::<Class>` (or `ray::<Class>.<method>` while it
    runs one)."""
    names = re.compile(rf"ray::{re.escape(actor_class)}\b")
    return [pid for pid in pids_in_group(pgid) if names.match(command_line(pid))]


def alive(pid: int) -> bool:
    stat = _stat(Path(f"/proc/{pid}"))
    return bool(stat) and stat[1] != "Z"


def _stat(proc_dir: Path) -> list[str] | None:
    """(pid, state, ppid, pgrp, ...) of /proc/<pid>/stat; the command name, which may
    hold spaces, is cut out first."""
    try:
        raw = (proc_dir / "stat").read_text()
    except OSError:
        return None
    head, _, rest = raw.rpartition(")")
    fields = rest.split()
    return [head.split(" (")[0], *fields] if fields else None


def signal_pid(pid: int, signum: int) -> None:
    os.kill(pid, signum)
