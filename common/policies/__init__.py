"""Policies are plug-ins registered by name and imported on first use.

Each is a small class built from its parameters, with one method:
`decide(mailbox, now_us) -> Wait | Choose` (see base.py)."""
from __future__ import annotations

import importlib
from typing import Mapping

from common.policies.base import Policy, PolicyError

REGISTRY: dict[str, str] = {
    "first": "common.policies.first:FirstPolicy",
    "deadline": "common.policies.deadline:DeadlinePolicy",
    "consensus": "common.policies.consensus:ConsensusPolicy",
    "quality": "common.policies.quality:QualityPolicy",
}


def build_policy(name: str, params: Mapping[str, str]) -> Policy:
    """Build a policy by name; an unknown name raises an error listing the valid ones."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise PolicyError(f"unknown policy {name!r}; valid policies: {', '.join(sorted(REGISTRY))}") from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(dict(params))
