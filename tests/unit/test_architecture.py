"""Each package imports only what the table below allows, so the services stay
services: they talk through topics, and the gateway reads registry state only through
the registry's client. Only model_runners/ray_cluster.py and ray_host.py import ray."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Package -> the project modules (or packages) it may import. Everything not named is
# forbidden; tests/ may import anything.
MAY_IMPORT = {
    "common": set(),
    "gateway": {"common", "registry.client", "replay.spec",  # replay.spec: a replay job's wire shape
                "stats.client"},  # the windowed stats, read from the stats app
    "stats": {"common"},
    # Replays run inside the runner supervisor, on the runners' scoring code and Ray host.
    "model_runners": {"common", "replay"},
    "replay": {"common", "model_runners"},
    "rendezvous": {"common"},
    "registry": {"common", "replay.spec"},
    "stack": {"common"},
    "examples": {"common"},
    "loadtest": {"common", "stack", "gateway.schemas"},  # the tool sends the gateway's own bodies
}
pytestmark = pytest.mark.timeout(10)


def project_imports(path: Path) -> set[str]:
    """Every module of this project the file imports, spelled in full (`from a import b` is a.b)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.split(".")[0] in MAY_IMPORT}


def allowed(package: str, module: str) -> bool:
    if module.split(".")[0] == package:
        return True
    return any(module == ok or module.startswith(ok + ".") for ok in MAY_IMPORT[package])


def test_every_package_is_in_the_table():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} | {"examples"}
    assert packages == set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_packages_import_only_what_the_table_allows(package):
    wrong = [f"{path.relative_to(ROOT)} imports {module}" for path in sorted((ROOT / package).rglob("*.py"))
             for module in sorted(project_imports(path)) if not allowed(package, module)]
    assert wrong == []


def test_the_rule_catches_a_forbidden_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from registry.store import RegistryStore\nfrom registry import client\n")
    assert [allowed("gateway", m) for m in sorted(project_imports(sneaky))] == [True, False]


def test_only_the_two_ray_modules_import_ray():
    users = [p.relative_to(ROOT).as_posix() for pkg in ("common", "gateway", "model_runners", "registry", "rendezvous",
                                                        "replay")
             for p in (ROOT / pkg).rglob("*.py")
             if any(n.split(".")[0] == "ray" for n in _all_imports(p))]
    assert sorted(users) == ["model_runners/ray_cluster.py", "model_runners/ray_host.py"]


def _all_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}


def test_no_importable_package_named_proto():
    assert not (ROOT / "proto" / "__init__.py").exists()


def test_only_the_stats_app_imports_faust_and_aiokafka():
    """faust's aiokafka is the one Kafka client besides common/kafka/'s confluent-kafka,
    and only the stats app may use it (docs/decisions/016-faust-serving-stats.md)."""
    users = {p.parent.name for pkg in MAY_IMPORT if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")
             if any(n.split(".")[0] in ("faust", "aiokafka") for n in _all_imports(p))}
    assert users == {"stats"}
