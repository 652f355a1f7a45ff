"""The Grafana dashboard charts metrics the services really expose, and its renderer
draws whatever Prometheus returns for its queries."""
import re
from pathlib import Path

import orjson
import pytest

from loadtest.dashboard import DASHBOARD, legend, render

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_bucket", "_sum", "_count")


def defined_families() -> set[str]:
    """Every rvs_ metric name spelled in the services' code."""
    names = set()
    for package in ("common", "gateway", "model_runners", "registry", "rendezvous"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r'"(rvs_\w+)"', path.read_text()))
    return names


def test_every_metric_the_dashboard_queries_is_one_the_services_define():
    dashboard = orjson.loads(DASHBOARD.read_bytes())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"(_bucket|_sum|_count)$", "", name) for e in exprs for name in re.findall(r"rvs_\w+", e)}
    defined = defined_families()
    # A replica's process collector is namespaced, not spelled out: rvs_runner_replica_process_*.
    assert sorted(used - defined) == []
    assert len(used) >= 12


def test_legends_fill_labels_in():
    assert legend("{{model}}:{{version}} {{ outcome }}", {"model": "forest", "version": "2", "outcome": "ok"}) == \
        "forest:2 ok"


def test_the_renderer_draws_every_panel_from_the_query_results(tmp_path):
    dashboard = orjson.loads(DASHBOARD.read_bytes())
    asked = []

    def query(expr, start, end, step):
        asked.append(expr)
        if "rvs_consumer_lag" in expr:
            return []  # a panel with no data says so
        return [{"metric": {"model": "forest", "version": "1", "data_type": "iris"},
                 "values": [[start + i * step, str(i)] for i in range(10)] + [[end, "NaN"]]}]

    out = tmp_path / "dashboard.png"
    render(dashboard, query, 1_000_000.0, 1_000_600.0, out, "a test rendering")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(asked) == sum(len(p["targets"]) for p in dashboard["panels"])
