"""Finding the processes of one platform from /proc, by session: `stack up` starts each
service in a session of its own, and the local Ray the runner supervisor starts stays
in the supervisor's session (its GCS and raylet in the supervisor's process group too;
each actor worker leads a process group of its own). So the replicas found here are
this platform's, never another Ray's on the same machine."""
from __future__ import annotations

import os
import re
from pathlib import Path


def pids_in_session(sid: int) -> list[int]:
    """Live (not zombie) processes of the session `sid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry)
        if stat and stat[1] != "Z" and int(stat[4]) == sid:
            found.append(int(entry.name))
    return sorted(found)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def ray_actor_pids(sid: int, actor_class: str) -> list[int]:
    """PIDs of the Ray workers in session `sid` that host an actor of this class: Ray
    names such a worker's process `ray::<Class>` (or `ray::<Class>.<method>` while it
    runs one)."""
    names = re.compile(rf"ray::{re.escape(actor_class)}\b")
    return [pid for pid in pids_in_session(sid) if names.match(command_line(pid))]


def alive(pid: int) -> bool:
    stat = _stat(Path(f"/proc/{pid}"))
    return bool(stat) and stat[1] != "Z"


def _stat(proc_dir: Path) -> list[str] | None:
    """(pid, state, ppid, pgrp, session, ...) of /proc/<pid>/stat; the command name, which may
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
