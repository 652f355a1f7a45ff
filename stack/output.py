"""The one voice of `make up`: every line it prints starts with [up]."""
from __future__ import annotations


def say(message: str) -> None:
    try:
        print(f"[up] {message}", flush=True)
    except OSError:
        pass  # whoever read our output is gone; stopping what we started matters more
