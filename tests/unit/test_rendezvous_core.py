"""The rendezvous core on a fake clock: one answer per request, whatever the order,
duplication or lateness of the scores."""
import pytest

from common.descriptors import DataTypePolicy, ModelDescriptor, ModelStatus, ModelState
from common.domain import Features, ModelRef, Output, Reason, Request, ReturnAddress, Role, Score
from rendezvous.bounded import AnsweredIds
from rendezvous.catalog import Catalog
from rendezvous.core import Absorbed, Answered, LateScore, Rejected, RendezvousCore

pytestmark = pytest.mark.timeout(10)
CHAMP, BACK, CANARY = ModelRef("champ", "1"), ModelRef("back", "1"), ModelRef("canary", "1")
T0 = 1_000_000_000


def catalog() -> Catalog:
    cat = Catalog()
    for ref, role in ((CHAMP, Role.SERVE), (BACK, Role.BACKSTOP), (CANARY, Role.WARM)):
        cat.add_model(ModelDescriptor(ref.name, ref.version, "iris", "onnx", role))
        cat.set_status(ModelStatus(ref, "iris", ModelState.READY))
    cat.set_policy(DataTypePolicy("iris", "deadline", {"preferred": "champ", "backstop": "back",
                                                        "deadline_ms": "50"}))
    return cat


def request(rid="r1", deadline_ms=0) -> Request:
    return Request(rid, "iris", Features((1.0,)), ReturnAddress("replies.x", rid), T0, deadline_ms)


def score(ref, rid="r1", label="a", error="") -> Score:
    return Score(rid, "iris", ref, Output(label), error=error)


def answers(outcomes):
    return [o.decision.answer for o in outcomes if isinstance(o, Answered)]


def test_preferred_answers_at_once():
    core = RendezvousCore(catalog())
    assert answers(core.on_request(request(), T0 + 1_000)) == []
    (answer,) = answers(core.on_score(score(CHAMP), T0 + 3_000))
    assert (answer.reason, answer.model, answer.waited_us) == (Reason.PREFERRED, CHAMP, 2_000)


def test_backstop_at_the_deadline_and_nothing_after():
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    core.on_score(score(BACK), T0 + 2_000)
    assert core.next_wake_us() == T0 + 50_000
    assert answers(core.on_tick(T0 + 49_999)) == []
    (answer,) = answers(core.on_tick(T0 + 50_000))
    assert (answer.reason, answer.model, answer.late) == (Reason.BACKSTOP, BACK, (CHAMP,))
    late = core.on_score(score(CHAMP), T0 + 60_000)
    assert [type(o) for o in late] == [LateScore]  # recorded, never a second answer
    assert answers(core.on_tick(T0 + 10_000_000)) == []


def test_a_duplicate_score_changes_nothing():
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    core.on_score(score(BACK, label="x"), T0 + 1)
    core.on_score(score(BACK, label="y"), T0 + 2)
    mailbox, _ = core.open["r1"]
    assert [e.score.output.label for e in mailbox.entries.values()] == ["x"]


def test_a_score_before_its_request_is_kept():
    core = RendezvousCore(catalog())
    assert [type(o) for o in core.on_score(score(CHAMP), T0)] == [Absorbed]
    (answer,) = answers(core.on_request(request(), T0 + 1_000))
    assert answer.reason is Reason.PREFERRED


def test_early_scores_expire_and_are_rejected():
    core = RendezvousCore(catalog(), early_ttl_us=1_000)
    core.on_score(score(CHAMP, rid="ghost"), T0)
    assert [type(o) for o in core.on_tick(T0 + 1_000)] == [Rejected]


def test_early_buffer_is_bounded():
    core = RendezvousCore(catalog(), early_limit=2)
    core.on_score(score(CHAMP, rid="a"), T0)
    core.on_score(score(CHAMP, rid="b"), T0)
    outcomes = core.on_score(score(CHAMP, rid="c"), T0)
    assert [type(o) for o in outcomes] == [Rejected, Absorbed]


def test_unknown_model_version_is_rejected():
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    (outcome,) = core.on_score(score(ModelRef("champ", "9")), T0 + 1)
    assert isinstance(outcome, Rejected) and "unknown model version" in outcome.reason


def test_a_redelivered_request_gets_no_second_answer():
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    assert answers(core.on_score(score(CHAMP), T0 + 1))
    assert [type(o) for o in core.on_request(request(), T0 + 2)] == [Absorbed]


def test_warm_model_is_recorded_but_never_official():
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    assert answers(core.on_score(score(CANARY), T0 + 1)) == []
    (answer,) = answers(core.on_tick(T0 + 50_000))
    assert answer.reason is Reason.TIMEOUT and answer.model is None
    assert [a.model for a in answer.answered] == [CANARY]


def test_request_deadline_shortens_the_policy_deadline():
    core = RendezvousCore(catalog())
    core.on_request(request(deadline_ms=5), T0)
    assert core.next_wake_us() == T0 + 5_000
    (answer,) = answers(core.on_tick(T0 + 5_000))
    assert answer.reason is Reason.TIMEOUT


def test_a_request_already_past_its_deadline_is_answered_at_once():
    core = RendezvousCore(catalog())
    (answer,) = answers(core.on_request(request(deadline_ms=1), T0 + 10_000))
    assert answer.reason is Reason.TIMEOUT


def test_a_version_retired_mid_request_still_answers_it():
    # Hot swap: the request arrived while champ:1 served; its score lands after retirement.
    cat = catalog()
    core = RendezvousCore(cat)
    core.on_request(request(), T0)
    cat.add_model(ModelDescriptor("champ", "1", "iris", "onnx", Role.RETIRED))
    cat.set_status(ModelStatus(CHAMP, "iris", ModelState.RETIRED))
    (answer,) = answers(core.on_score(score(CHAMP), T0 + 1_000))
    assert (answer.reason, answer.model) == (Reason.PREFERRED, CHAMP)
    core.on_request(request("r2"), T0 + 2_000)  # a request after the retirement: champ:1 no longer counts
    assert answers(core.on_score(score(CHAMP, rid="r2"), T0 + 3_000)) == []


# Models that answer with an error --------------------------------------------------
POLICIES = [
    pytest.param("first", {}, id="first"),
    pytest.param("deadline", {"preferred": "champ", "backstop": "back"}, id="deadline"),
    pytest.param("consensus", {"backstop": "back"}, id="consensus"),
    pytest.param("quality", {}, id="quality"),
]


def catalog_with(policy: str, params: dict) -> Catalog:
    cat = catalog()
    cat.set_policy(DataTypePolicy("iris", policy, {**params, "deadline_ms": "50"}))
    return cat


@pytest.mark.parametrize("policy, params", POLICIES)
def test_every_expected_model_errored_answers_error_at_once(policy, params):
    core = RendezvousCore(catalog_with(policy, params))
    core.on_request(request(), T0)
    assert answers(core.on_score(score(CHAMP, label="", error="champ broke"), T0 + 1_000)) == []
    (answer,) = answers(core.on_score(score(BACK, label="", error="back broke"), T0 + 2_000))
    assert (answer.reason, answer.model, answer.decided_at_us) == (Reason.ERROR, None, T0 + 2_000)
    assert (answer.answered, answer.late) == ((), ())
    assert [(e.model, e.error) for e in answer.errored] == [(CHAMP, "champ broke"), (BACK, "back broke")]


@pytest.mark.parametrize("policy, params", POLICIES)
def test_a_warm_output_does_not_stop_the_error_answer(policy, params):
    # The canary's output is recorded but can never be official: nothing usable can come.
    core = RendezvousCore(catalog_with(policy, params))
    core.on_request(request(), T0)
    core.on_score(score(CANARY), T0 + 500)
    core.on_score(score(CHAMP, label="", error="boom"), T0 + 1_000)
    (answer,) = answers(core.on_score(score(BACK, label="", error="boom"), T0 + 2_000))
    assert answer.reason is Reason.ERROR
    assert [a.model for a in answer.answered] == [CANARY]
    assert [e.model for e in answer.errored] == [CHAMP, BACK]


# (scores in arrival order as (model, error), expected reason or None to keep waiting,
#  then the chosen model, the models listed as answered and those listed as errored)
MIXED = [
    pytest.param(((CHAMP, "boom"),), None, None, (), (CHAMP,), id="one-errored-one-pending-waits"),
    pytest.param(((BACK, "boom"),), None, None, (), (BACK,), id="backstop-errored-champ-pending-waits"),
    pytest.param(((CHAMP, "boom"), (BACK, "")), Reason.BACKSTOP, BACK, (BACK,), (CHAMP,),
                 id="champ-errored-backstop-answers"),
    pytest.param(((BACK, "boom"), (CHAMP, "")), Reason.PREFERRED, CHAMP, (CHAMP,), (BACK,),
                 id="backstop-errored-champ-answers"),
]


@pytest.mark.parametrize("arrivals, reason, model, answered, errored", MIXED)
def test_some_models_errored(arrivals, reason, model, answered, errored):
    core = RendezvousCore(catalog())
    core.on_request(request(), T0)
    outcomes = []
    for at, (ref, error) in enumerate(arrivals, start=1):
        outcomes += core.on_score(score(ref, label="" if error else "a", error=error), T0 + at * 1_000)
    if reason is None:
        assert answers(outcomes) == [] and core.next_wake_us() == T0 + 50_000
        (answer,) = answers(core.on_tick(T0 + 50_000))  # the pending model never came: a timeout
        assert answer.reason is Reason.TIMEOUT
    else:
        (answer,) = answers(outcomes)
        assert answer.reason is reason
    assert answer.model == model
    assert tuple(a.model for a in answer.answered) == answered
    assert tuple(e.model for e in answer.errored) == errored


def test_answered_ids_are_forgotten_past_their_limit_or_age():
    answered = AnsweredIds(limit=2, ttl_us=100)
    for i, rid in enumerate(("a", "b", "c")):
        answered.add(rid, now_us=i)
    answered.forget_old(now_us=3)
    assert "a" not in answered and "b" in answered and "c" in answered  # over the limit: the oldest goes
    answered.forget_old(now_us=101)
    assert "b" not in answered and "c" in answered  # b is 100 µs old
