"""The hot swap's retirement schedule: which older versions a ready one replaces, and when."""
from __future__ import annotations

from dataclasses import replace

from common.domain import Role
from model_runners.hot_swap import RetirementSchedule
from stack.demo import descriptor


def version(v: str, created: int, role: Role = Role.SERVE, name: str = "m"):
    return replace(descriptor(name, v, b"onnx", 0.9, role), created_at_us=created)


def test_a_ready_version_retires_older_ones_of_its_name_and_role_after_the_drain():
    old, other_role, other_name, new = (version("1", 1), version("1b", 1, Role.BACKSTOP), version("1", 1, name="n"),
                                        version("2", 2))
    schedule = RetirementSchedule(drain_s=5.0)
    schedule.after_ready(new, [old, other_role, other_name, new], now=100.0)
    assert schedule.take_due(104.9) == []
    assert schedule.take_due(105.0) == [old]
    assert schedule.take_due(200.0) == []  # taken once


def test_a_newer_version_is_never_retired_by_an_older_one():
    schedule = RetirementSchedule(drain_s=0.0)
    schedule.after_ready(version("1", 1), [version("2", 2)], now=0.0)
    assert schedule.take_due(1.0) == []


def test_versions_never_served_replace_nothing():
    schedule = RetirementSchedule(drain_s=0.0)
    for role in (Role.WARM, Role.CANDIDATE):
        schedule.after_ready(version("2", 2, role), [version("1", 1, role)], now=0.0)
    assert schedule.take_due(1.0) == []
