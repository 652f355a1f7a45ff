"""requirements.lock pins every package that pyproject.toml asks for (with the extras
`make up` and `make test` install), at a version pyproject.toml allows: a dependency
added or changed without `make lock` fails here, not on a fresh machine."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.timeout(10)
ROOT = Path(__file__).resolve().parents[2]
LOCKED_EXTRAS = re.search(r"^EXTRAS\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1).split(",")


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] +
            [r for extra in LOCKED_EXTRAS for r in project["optional-dependencies"][extra]]]


def test_every_requirement_is_pinned_at_a_version_it_allows():
    pins = locked()
    wrong = [f"{r}: locked at {pins.get(canonicalize_name(r.name))}" for r in wanted()
             if r.marker is None or r.marker.evaluate()
             if (v := pins.get(canonicalize_name(r.name))) is None or v not in r.specifier]
    assert wrong == [], "run `make lock`"


def test_the_lock_pins_exact_versions_only():
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in locked().values())
