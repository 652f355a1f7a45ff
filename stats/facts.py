"""What one decision record, or one late score, adds to the serving stats: a
`Contribution` per key it touches, at the time it happened. Pure functions of the
domain types; the faust adapter only decodes, calls these and folds the result.

Keys: `data-type/<data type>` counts official answers per reason and their latency
(request enqueued to answer decided); `model/<name>/<version>` counts what the
registry's all-time stats count (scored, wins, errors, agreement with the official
answer, late) and the model's own latency."""
from __future__ import annotations

from dataclasses import dataclass, field

from common.domain import Decision, ModelRef, Score


@dataclass(frozen=True, slots=True)
class Contribution:
    key: str
    at_s: float  # event time, seconds since the epoch: it places the record in its window
    counts: dict[str, int] = field(default_factory=dict)
    latencies_ms: tuple[float, ...] = ()


def data_type_key(data_type: str) -> str:
    return f"data-type/{data_type}"


def model_key(model: ModelRef) -> str:
    return f"model/{model.name}/{model.version}"


def model_prefix(name: str) -> str:
    """Every version of one model: the keys that start with this."""
    return f"model/{name}/"


def from_decision(d: Decision) -> list[Contribution]:
    """One contribution for the data type, and one per model version that scored it.
    A version that scored twice (a redelivered score) is merged into one contribution,
    so each key is folded once per record."""
    answer = d.answer
    at_s = (answer.decided_at_us or d.request.enqueued_at_us) / 1e6
    answer_ms = max(answer.decided_at_us - d.request.enqueued_at_us, 0) / 1000
    found = [Contribution(data_type_key(answer.data_type), at_s,
                          {"answers": 1, f"reason:{answer.reason.value}": 1}, (answer_ms,))]
    latencies = {a.model: a.latency_us / 1000 for a in answer.answered}
    per_model: dict[ModelRef, tuple[dict[str, int], list[float]]] = {}
    for score in d.scores:
        counts, values = per_model.setdefault(score.model, ({}, []))
        _bump(counts, "scored")
        if score.error:
            _bump(counts, "errors")
            continue
        values.append(latencies.get(score.model, 0.0))
        if answer.model == score.model:
            _bump(counts, "wins")
        if answer.model is not None:
            _bump(counts, "compared")
            if score.output.label == answer.output.label:
                _bump(counts, "agreed")
    found.extend(Contribution(model_key(m), at_s, counts, tuple(values)) for m, (counts, values) in per_model.items())
    return found


def from_late_score(s: Score, record_time_s: float) -> list[Contribution]:
    """A score that came after its request was answered: counted as late for its version,
    at the time it finished; `record_time_s` (when it was produced) if it carries none."""
    at_s = s.finished_us / 1e6 if s.finished_us else record_time_s
    return [Contribution(model_key(s.model), at_s, {"late": 1})]


def _bump(counts: dict[str, int], name: str) -> None:
    counts[name] = counts.get(name, 0) + 1
