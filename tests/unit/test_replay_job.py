"""The replay's spec and its loop, over a fake reader and a fake candidate: ranges,
pacing to the rate, progress, an empty range, and a stop midway."""
import threading

import pytest

from common import codec
from common.domain import Role
from common.errors import WireError
from common.policies import build_policy
from replay.job import ReplayRun
from replay.report import ReplayTally
from replay.spec import ReplayError, ReplaySpec, JobStatus, decode_job, new_job, parse_offsets, parse_time
from tests.replay_factory import CANDIDATE, candidate_score, decision

pytestmark = pytest.mark.timeout(10)
NOW = 1_800_000_000_000_000


@pytest.mark.parametrize("text, expected", [("90s", NOW - 90_000_000), ("30m", NOW - 1_800_000_000),
                                            ("1h", NOW - 3_600_000_000), ("2d", NOW - 172_800_000_000),
                                            ("2027-01-15T10:00:00Z", 1_800_007_200_000_000),
                                            ("2027-01-15T10:00:00", 1_800_007_200_000_000)])
def test_times_are_durations_ago_or_iso(text, expected):
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "1w", "-1h", "", "9" * 400 + "d", "2027-13-01T00:00:00Z"])
def test_a_bad_time_is_a_422_that_says_which_forms_work(text):
    with pytest.raises(ReplayError, match="duration ago") as caught:
        parse_time(text, NOW)
    assert caught.value.status_code == 422


def test_offsets_and_empty_ranges():
    assert parse_offsets({"0": [5, 9], "1": [0, 3]}) == {0: (5, 9), 1: (0, 3)}
    for bad in ({"0": [9, 5]}, {"0": [1]}, {"x": [0, 1]}, {"0": [-1, 3]}):
        with pytest.raises(ReplayError):
            parse_offsets(bad)
    with pytest.raises(ReplayError, match="since must be before until"):
        ReplaySpec("iris", "m", "1", since_us=NOW, until_us=NOW).check()


def test_a_job_round_trips_through_its_record():
    job = new_job(ReplaySpec("iris", "forest", "2", offsets={0: (1, 4)}, rate=50), NOW)
    back = decode_job(job.encode())
    assert back == job and back.status is JobStatus.REQUESTED
    assert job.to_dict()["progress"] == {"done": 0, "total": 0, "fraction": None}
    with pytest.raises(WireError):
        decode_job(b'{"replay_id": "x"}')


class FakeReader:
    def __init__(self, decisions, stop_after=None, stop=None):
        self.decisions, self.read, self.undecodable, self.total = decisions, 0, 0, len(decisions)
        self._stop_after, self._stop = stop_after, stop

    def batches(self, size):
        for i in range(0, len(self.decisions), size):
            batch = self.decisions[i:i + size]
            self.read += len(batch)
            if self._stop_after is not None and self.read > self._stop_after:
                self._stop.set()
            yield batch


class FakeClock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def score_all(label_of):
    def score(requests, queued_us):
        out = []
        for raw in requests:
            r = codec.decode_request(raw)
            d = decision(int(r.request_id[1:]), "0", "0")
            out.append(codec.encode_score(candidate_score(d, label_of(d))))
        return out
    return score


def run(decisions, rate=10, batch=4, **reader_kwargs):
    job = new_job(ReplaySpec("iris", "forest", "2", offsets={0: (0, len(decisions) or 1)}, rate=rate, batch=batch), NOW)
    published, clock = [], FakeClock()
    tally = ReplayTally(CANDIDATE, {"first": build_policy("first", {})}, lambda r: Role.SERVE, lambda r: 0.5)
    replay = ReplayRun(job, FakeReader(decisions, **reader_kwargs), score_all(lambda d: "0"), tally,
                       published.append, reader_kwargs.get("stop"), clock=clock, sleep=clock.sleep)
    return replay.run({"partitions": {"0": [0, len(decisions)]}}), published, clock


def test_the_loop_scores_every_row_paced_to_the_rate_and_reports():
    decisions = [decision(i, "0" if i % 2 else "1", "0") for i in range(10)]
    job, published, clock = run(decisions, rate=10, batch=4)
    assert job.status is JobStatus.DONE and (job.done, job.total) == (10, 10)
    assert job.report["rows"] == 10 and job.report["agreement"] == 0.5
    assert job.report["range"] == {"partitions": {"0": [0, 10]}}
    assert clock.now == pytest.approx(1.0)  # 10 rows at 10 a second: never ahead of the rate
    assert published[-1] == job and all(p.status is JobStatus.RUNNING for p in published[:-1])


def test_an_empty_range_fails_with_its_reason():
    job, published, _ = run([])
    assert job.status is JobStatus.FAILED and "no recorded decisions for data type 'iris'" in job.reason
    assert published == [job]


def test_a_stop_midway_leaves_the_job_running_to_be_restarted():
    stop = threading.Event()
    job, published, _ = run([decision(i, "0", "0") for i in range(12)], batch=4, stop_after=4, stop=stop)
    assert not job.finished and job.report is None
    assert all(p.status is not JobStatus.DONE for p in published)
