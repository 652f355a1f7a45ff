"""Replay: score recorded traffic with a candidate model version, off the live path,
and report how it would have done (docs/decisions/006-replay.md)."""
