"""The one plug-in mechanism: a registry maps a name to a "module:Class" import path,
and the class is imported only when that name is first used. Policies, model runtimes
and the load tool's transports are all found this way, so TensorFlow, for one, is
imported only by a runner that serves a TensorFlow model."""
from __future__ import annotations

import importlib
from typing import Mapping


def load(target: str) -> type:
    """Import and return the class named by "package.module:Class"."""
    module_name, sep, class_name = target.partition(":")
    if not sep or not module_name or not class_name:
        raise ValueError(f"plug-in path {target!r} is not of the form 'module:Class'")
    return getattr(importlib.import_module(module_name), class_name)


class UnknownPlugin(ValueError):
    """A name no registry entry has; the message lists the valid ones."""


def lookup(registry: Mapping[str, str], name: str, kind: str, kinds: str = "") -> type:
    """The class registered under `name` (a `kind`, e.g. "policy"; `kinds` its plural when
    not kind + "s"). An unknown name raises UnknownPlugin listing the valid names, which
    callers turn into their own error (a 422, a failed load)."""
    target = registry.get(name)
    if target is None:
        raise UnknownPlugin(f"unknown {kind} {name!r}; valid {kinds or kind + 's'}: {', '.join(sorted(registry))}")
    return load(target)
