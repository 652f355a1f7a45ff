"""Services talk only through topics: gateway, model_runners and rendezvous never
import one another, and only model_runners/ray_host.py imports ray."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "model_runners", "rendezvous")
pytestmark = pytest.mark.timeout(10)


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_services_do_not_import_each_other(service):
    others = set(SERVICES) - {service}
    for path in (ROOT / service).rglob("*.py"):
        assert not imported_packages(path) & others, f"{path.relative_to(ROOT)} imports another service"


def test_only_ray_host_imports_ray():
    users = [p.relative_to(ROOT).as_posix() for pkg in (*SERVICES, "common", "registry")
             for p in (ROOT / pkg).rglob("*.py") if "ray" in imported_packages(p)]
    assert users == ["model_runners/ray_host.py"]


def test_no_importable_package_named_proto():
    assert not (ROOT / "proto" / "__init__.py").exists()
