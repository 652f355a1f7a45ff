"""Policies are plug-ins registered by name and imported on first use (common.plugins).

Each is a small class built from its parameters, with one method:
`decide(mailbox, now_us) -> Wait | Choose` (see base.py)."""
from __future__ import annotations

from typing import Mapping

from common import plugins
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
        cls = plugins.lookup(REGISTRY, name, "policy", "policies")
    except plugins.UnknownPlugin as exc:
        raise PolicyError(str(exc)) from None
    return cls(dict(params))
