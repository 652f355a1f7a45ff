"""The rendezvous's Prometheus metrics: answers by data type, policy and reason, their
latency, wins and score latency by model version, late scores, and the mailboxes open.

Counted per batch: the adapter hands over a poll's answers (or late scores) in one
call, which tallies them in dicts and takes each family's lock once."""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from prometheus_client import CollectorRegistry

from common.domain import Decision, Score
from common.metrics import LATENCY_BUCKETS, Buckets, Counts, Readings, process_registry
from common.stream import DEAD_LETTERS
from rendezvous.core import RendezvousCore

VERSION_LABELS = ("data_type", "model", "version")


class RendezvousMetrics:
    def __init__(self, core: RendezvousCore, unpaired: Callable[[], int] = lambda: 0):
        self.answers = Counts("rvs_answers_total", "Official answers published, by data type, policy and reason "
                              "(timeout and error included).", ("data_type", "policy", "reason"))
        self.answer_latency = Buckets("rvs_answer_latency_seconds", "From the request's enqueue at the gateway to "
                                      "its official answer's decision.", ("data_type",), LATENCY_BUCKETS)
        self.wins = Counts("rvs_wins_total", "Official answers, by the model version that gave them.",
                           VERSION_LABELS)
        self.score_latency = Buckets("rvs_score_latency_seconds", "From the request's enqueue to its score's "
                                     "arrival, for the scores with an output that came in time, by model version.",
                                     VERSION_LABELS, LATENCY_BUCKETS)
        self.late = Counts("rvs_late_scores_total", "Scores that arrived after their request was answered.",
                           VERSION_LABELS)
        mailboxes = Readings("rvs_mailboxes_open", "Requests waiting for their answer in this instance.", (),
                             lambda: {(): len(core.open)})
        early = Readings("rvs_early_scores_held", "Request ids whose scores arrived before the request.", (),
                         lambda: {(): core.held_early()})
        unpaired_now = Readings("rvs_unpaired_request_partitions", "Request partitions this instance holds "
                                "without the scores partition of their number: their requests get no scores and "
                                "end in 504s. Non-zero for more than a rebalance is an outage.", (),
                                lambda: {(): unpaired()})
        self.registry: CollectorRegistry = process_registry(
            self.answers, self.answer_latency, self.wins, self.score_latency, self.late, mailboxes, early,
            unpaired_now, DEAD_LETTERS)

    def record_answers(self, decisions: Iterable[Decision]) -> None:
        answers: Counter = Counter()
        wins: Counter = Counter()
        latencies: dict[tuple[str], list[float]] = {}
        score_latencies: dict[tuple[str, str, str], list[float]] = {}
        for decision in decisions:
            answer = decision.answer
            answers[(answer.data_type, answer.policy, answer.reason.value)] += 1
            if answer.model is not None:
                wins[(answer.data_type, answer.model.name, answer.model.version)] += 1
            latencies.setdefault((answer.data_type,), []).append(
                (answer.decided_at_us - decision.request.enqueued_at_us) / 1e6)
            for scored in answer.answered:
                score_latencies.setdefault((answer.data_type, scored.model.name, scored.model.version), []).append(
                    scored.latency_us / 1e6)
        self.answers.add(answers)
        self.wins.add(wins)
        for labels, values in latencies.items():
            self.answer_latency.observe_many(labels, values)
        for labels, values in score_latencies.items():
            self.score_latency.observe_many(labels, values)

    def record_late(self, scores: Iterable[Score]) -> None:
        self.late.add(Counter((s.data_type, s.model.name, s.model.version) for s in scores))
