"""What the rendezvous knows of models and policies, materialized from the models,
model-status and policies topics. Plain state: the core reads it, adapters feed it."""
from __future__ import annotations

import logging

from common.descriptors import DataTypePolicy, ModelDescriptor, ModelStatus, ModelState
from common.domain import ModelRef, Role
from common.policies import Policy, build_policy
from common.policies.base import PolicyError

log = logging.getLogger(__name__)

DEFAULT_POLICY = DataTypePolicy(data_type="*", policy="first", params={"deadline_ms": "100"})


class Catalog:
    def __init__(self, default_policy: DataTypePolicy = DEFAULT_POLICY):
        self._descriptors: dict[ModelRef, ModelDescriptor] = {}
        self._ready: set[ModelRef] = set()
        self._policies: dict[str, Policy] = {}
        self._default = build_policy(default_policy.policy, default_policy.params)
        self._expected_cache: dict[str, frozenset[ModelRef]] = {}

    # Feeding ---------------------------------------------------------------------
    def add_model(self, descriptor: ModelDescriptor) -> None:
        self._descriptors[descriptor.ref] = descriptor
        self._expected_cache.clear()

    def set_status(self, status: ModelStatus) -> None:
        if status.status is ModelState.READY:
            self._ready.add(status.model)
        else:
            self._ready.discard(status.model)
        self._expected_cache.clear()

    def set_policy(self, policy: DataTypePolicy) -> None:
        """Install a data type's policy. One that can't be built keeps the old one:
        the admin API validates before publishing, so this is only a bad record."""
        try:
            self._policies[policy.data_type] = build_policy(policy.policy, policy.params)
        except PolicyError as exc:
            log.error("ignoring policy for %s: %s", policy.data_type, exc.message)

    # Reading ---------------------------------------------------------------------
    def data_types(self) -> frozenset[str]:
        """Every data type a model was published for, retired ones too: their requests
        may still be on the way."""
        return frozenset(d.data_type for d in self._descriptors.values())

    def knows(self, ref: ModelRef) -> bool:
        return ref in self._descriptors

    def role(self, ref: ModelRef) -> Role:
        d = self._descriptors.get(ref)
        return d.role if d else Role.RETIRED

    def quality(self, ref: ModelRef) -> float:
        d = self._descriptors.get(ref)
        return d.quality if d else 0.0

    def policy_for(self, data_type: str) -> Policy:
        return self._policies.get(data_type, self._default)

    def backstops(self, data_type: str) -> frozenset[ModelRef]:
        return frozenset(ref for ref in self.expected(data_type) if self._descriptors[ref].role is Role.BACKSTOP)

    def expected(self, data_type: str) -> frozenset[ModelRef]:
        """Models whose answer a policy may wait for: ready, serving or backstop."""
        cached = self._expected_cache.get(data_type)
        if cached is None:
            cached = frozenset(
                ref for ref, d in self._descriptors.items()
                if d.data_type == data_type and ref in self._ready and d.role in (Role.SERVE, Role.BACKSTOP))
            self._expected_cache[data_type] = cached
        return cached
