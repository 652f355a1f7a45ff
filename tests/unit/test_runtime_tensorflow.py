"""The TensorFlow runtime loads SavedModels built at test time (a Keras softmax layer
holding a logistic regression's weights, a tf.Module regression), published as
.tar.gz, and agrees with Keras and sklearn through the serving signature."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from model_runners.artifacts import materialize, release
from model_runners.runtimes import create_runtime
from model_runners.runtimes.base import Artifact, ModelLoadError
from tests import model_factory as mf

pytestmark = [pytest.mark.timeout(180),  # TensorFlow's import alone takes 2-7 s
              pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs tensorflow")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """SavedModel directories, built once per module (TensorFlow's import is the slow part)."""
    root = tmp_path_factory.mktemp("savedmodels")
    keras_model = mf.keras_iris(str(root / "iris"))
    mf.tf_petal_width(str(root / "petal"))
    return root, keras_model


def loaded(data: bytes, features=mf.FEATURES, **kwargs):
    artifact = materialize(mf.descriptor("tensorflow", data, features=features))
    runtime = create_runtime("tensorflow", **kwargs)
    try:
        runtime.load(artifact)
    finally:
        release(artifact)
    assert not os.path.exists(artifact.path)  # the unpacked directory is gone; the model is in memory
    return runtime


def test_classification_agrees_with_keras_and_sklearn(exported):
    root, keras_model = exported
    X, _ = mf.iris()
    rows = X[::10]
    runtime = loaded(mf.pack_tgz(str(root / "iris")))
    results = runtime.score_batch(rows.tolist())
    probabilities = np.array([r.output.values for r in results])
    np.testing.assert_allclose(probabilities, keras_model(rows.astype(np.float32)).numpy(), atol=1e-6)
    np.testing.assert_allclose(probabilities, mf.iris_logreg().predict_proba(rows), atol=1e-5)
    assert [r.output.label for r in results] == [str(i) for i in mf.iris_logreg().predict(rows)]
    assert runtime.provider == "CPU"


def test_regression_agrees_with_sklearn_from_one_directory_down(exported):
    root, _ = exported
    X, _ = mf.iris()
    runtime = loaded(mf.pack_tgz(str(root / "petal"), top="export"), features=mf.FEATURES[:3])
    results = runtime.score_batch(X[:20, :3].tolist())
    assert all(r.output.label == "" for r in results)
    np.testing.assert_allclose([r.output.values[0] for r in results],
                               mf.petal_width_linreg().predict(X[:20, :3]), atol=1e-5)


def test_an_empty_schema_takes_the_signatures_width(exported):
    root, _ = exported
    runtime = loaded(mf.pack_tgz(str(root / "iris")), features=())
    assert runtime.input_width == 4


def test_a_classes_output_gives_the_label(tmp_path):
    import tensorflow as tf

    class Named(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
        def serve(self, x):
            probabilities = tf.nn.softmax(x)
            return {"probabilities": probabilities,
                    "classes": tf.gather(tf.constant(["cat", "dog"]), tf.argmax(probabilities, axis=1))}

    module = Named()
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.serve})
    results = loaded(mf.pack_tgz(str(tmp_path)), features=("a", "b")).score_batch([[0.0, 1.0], [3.0, 1.0]])
    assert [r.output.label for r in results] == ["dog", "cat"]


def test_a_wrong_batch_fails_every_row_with_the_reason(exported):
    root, _ = exported
    results = loaded(mf.pack_tgz(str(root / "iris"))).score_batch([[1.0, 2.0], [3.0, 4.0]])
    assert len(results) == 2 and all("TensorFlow" in r.message for r in results)


def test_a_schema_of_the_wrong_width_is_refused(exported):
    root, _ = exported
    with pytest.raises(ModelLoadError, match="input_schema has 3 features; the model takes 4"):
        loaded(mf.pack_tgz(str(root / "iris")), features=mf.FEATURES[:3])


def test_a_savedmodel_without_a_serving_signature_is_refused(tmp_path):
    import tensorflow as tf

    module = tf.Module()
    module.v = tf.Variable(1.0)
    tf.saved_model.save(module, str(tmp_path))
    with pytest.raises(ModelLoadError, match="no serving_default signature"):
        loaded(mf.pack_tgz(str(tmp_path)))


def test_a_file_instead_of_a_directory_is_refused(tmp_path):
    path = tmp_path / "model.pb"
    path.write_bytes(b"not a saved model")
    runtime = create_runtime("tensorflow")
    with pytest.raises(ModelLoadError, match="must be a SavedModel directory"):
        runtime.load(Artifact(str(path), mf.descriptor("tensorflow")))


def test_a_corrupt_savedmodel_is_refused(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01garbage")
    with pytest.raises(ModelLoadError, match="TensorFlow could not load the SavedModel"):
        loaded(mf.pack_tgz(str(tmp_path)))
