"""rvs replay: the body it sends, and the report printed as tables."""
import argparse

import pytest
from rich.console import Console

from common.domain import Role
from common.policies import build_policy
from replay.report import ReplayTally
from stack.cli.replay import body, print_report
from tests.replay_factory import CANDIDATE, candidate_score, decision

pytestmark = pytest.mark.timeout(10)


def args(**kw):
    base = dict(data_type="iris", model="iris-forest", version="2", since=None, until=None, rate=None, offsets=None)
    return argparse.Namespace(**{**base, **kw})


def test_the_body_carries_only_what_was_given():
    assert body(args(since="1h")) == {"data_type": "iris", "model": "iris-forest", "version": "2", "since": "1h"}
    assert body(args(offsets="0:10-50,1:0-20", rate=50))["offsets"] == {"0": [10, 50], "1": [0, 20]}


def test_the_report_prints_its_summary_confusion_models_and_policies():
    tally = ReplayTally(CANDIDATE, {"quality": build_policy("quality", {})}, lambda r: Role.SERVE, lambda r: 0.5)
    for i, (official, label) in enumerate([("0", "0"), ("1", "2"), ("2", "2")]):
        d = decision(i, official, "0")
        tally.add(d, candidate_score(d, label))
    console = Console(record=True, width=160)
    print_report({**tally.report(), "seconds": 1.5}, console)
    text = console.export_text()
    assert "Replay of forest:2" in text and "66.7%" in text  # 2 of 3 agree
    assert "candidate \\ official" in text and "forest:1" in text and "quality" in text
