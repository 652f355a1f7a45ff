"""Small real models, built at test time, and the bad ones a publisher might send.

Good: sklearn logistic regression on iris as ONNX, the same coefficients written by hand
as PMML (a softmax RegressionModel) and as a Keras SavedModel, plus linear-regression
twins, so every runtime can be checked against sklearn's own predictions.
Bad: truncated and bit-flipped ONNX, ONNX with external data, a pickle, PMML with an
external entity, PMML with a billion-laughs bomb. TensorFlow is imported only by the
functions that need it. Nothing here is ever unpickled."""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile
import tempfile
from functools import lru_cache

import numpy as np

from common import codec
from common.descriptors import ModelDescriptor, SchemaField

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SPECIES = ("setosa", "versicolor", "virginica")


@lru_cache(maxsize=1)
def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32).astype(np.float64), y  # float32-exact, as every runtime sees it


@lru_cache(maxsize=1)
def iris_logreg():
    from sklearn.linear_model import LogisticRegression

    X, y = iris()
    return LogisticRegression(max_iter=1000).fit(X, y)


@lru_cache(maxsize=1)
def petal_width_linreg():
    """Predicts petal width from the other three features."""
    from sklearn.linear_model import LinearRegression

    X, _ = iris()
    return LinearRegression().fit(X[:, :3], X[:, 3])


def descriptor(fmt: str, data: bytes = b"", *, features=FEATURES, location: str = "",
               name: str = "m") -> ModelDescriptor:
    return ModelDescriptor(name=name, version="1", data_type="iris", format=fmt, inline_bytes=data,
                           location=location, sha256=hashlib.sha256(data).hexdigest() if data else "",
                           input_schema=tuple(SchemaField(f) for f in features))


def descriptor_bytes(fmt: str, data: bytes = b"", **kwargs) -> bytes:
    return codec.encode_descriptor(descriptor(fmt, data, **kwargs))


# ONNX ----------------------------------------------------------------------------
def onnx_iris() -> bytes:
    from skl2onnx import to_onnx

    return to_onnx(iris_logreg(), np.zeros((1, 4), np.float32), target_opset=17,
                   options={id(iris_logreg()): {"zipmap": False}}).SerializeToString()


def truncated_onnx() -> bytes:
    data = onnx_iris()
    return data[: len(data) // 2]


def bit_flipped_onnx(seed: int = 7, flips: int = 64) -> bytes:
    """Random bit flips: most break the protobuf, a few slip through to ONNX Runtime."""
    data = bytearray(onnx_iris())
    rng = np.random.default_rng(seed)
    for i in rng.integers(0, len(data), flips):
        data[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(data)


def bit_flipped_op_onnx() -> bytes:
    """One flipped bit in the first node's operator name: still valid protobuf, so it is
    ONNX Runtime that has to refuse it (where fuzzed models have crashed the process)."""
    data = bytearray(onnx_iris())
    data[data.index(b"\x22\x10LinearClassifier") + 2] ^= 0x01  # NodeProto.op_type (field 4): L -> M
    return bytes(data)


def onnx_with_external_data() -> bytes:
    """A softmax(xW + b) graph whose W lives in a file beside the model: a way to make a
    runner read a host file. (sklearn's ONNX keeps weights in attributes, so it is built by hand.)"""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    lr = iris_logreg()
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)],
        "iris_softmax", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])],
        [numpy_helper.from_array(lr.coef_.T.astype(np.float32), "W"),
         numpy_helper.from_array(lr.intercept_.astype(np.float32), "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="weights.bin", size_threshold=0)
        with open(path, "rb") as f:
            return f.read()


def onnx_failing_on_real_records() -> bytes:
    """Loads, and scores the validator's row of zeros, but raises on every real record:
    each feature, cast to an integer, indexes a one-element table, so only zeros are in
    bounds. The runner then answers every request with an error."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["index"], to=TensorProto.INT64),
         helper.make_node("Gather", ["table", "index"], ["values"])],
        "fails_on_real_records", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("values", TensorProto.FLOAT, [None, 4])],
        [numpy_helper.from_array(np.zeros(1, np.float32), "table")])
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def onnx_memory_bomb(rows: int = 2 ** 31) -> bytes:
    """Tiny on disk, 32 GiB at its first run: x + Expand(0, [rows, 4]). More than this
    machine has, so it cannot hurt even without the validator's address-space cap."""
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("Expand", ["zero", "shape"], ["big"]), helper.make_node("Add", ["x", "big"], ["y"])],
        "memory_bomb", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])],
        [numpy_helper.from_array(np.array([rows, 4], np.int64), "shape"),
         numpy_helper.from_array(np.zeros(1, np.float32), "zero")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def pickled_model() -> bytes:
    """What a careless publisher sends: a pickle. Made here, never loaded anywhere."""
    return pickle.dumps({"coef": iris_logreg().coef_.tolist()})


# PMML ----------------------------------------------------------------------------
def _pmml(function: str, targets: str, model_body: str, features) -> bytes:
    fields = "".join(f'<DataField name="{n}" optype="continuous" dataType="double"/>' for n in features)
    mining = "".join(f'<MiningField name="{n}"/>' for n in features)
    softmax = 'normalizationMethod="softmax"' if function == "classification" else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header description="written by tests/model_factory.py"/>
  <DataDictionary>{fields}{targets}</DataDictionary>
  <RegressionModel functionName="{function}" {softmax}>
    <MiningSchema>{mining}<MiningField name="target" usageType="target"/></MiningSchema>
    {model_body}
  </RegressionModel>
</PMML>""".encode()


def _table(coefficients, intercept: float, features, category: str = "") -> str:
    predictors = "".join(f'<NumericPredictor name="{n}" coefficient="{float(c)!r}"/>'
                         for n, c in zip(features, coefficients))
    target = f' targetCategory="{category}"' if category else ""
    return f'<RegressionTable intercept="{float(intercept)!r}"{target}>{predictors}</RegressionTable>'


def pmml_iris(classes=SPECIES) -> bytes:
    """Multinomial logistic regression: softmax over one regression table per class."""
    lr = iris_logreg()
    values = "".join(f'<Value value="{c}"/>' for c in classes)
    target = f'<DataField name="target" optype="categorical" dataType="string">{values}</DataField>'
    tables = "".join(_table(lr.coef_[i], lr.intercept_[i], FEATURES, c) for i, c in enumerate(classes))
    return _pmml("classification", target, tables, FEATURES)


def pmml_petal_width() -> bytes:
    reg = petal_width_linreg()
    target = '<DataField name="target" optype="continuous" dataType="double"/>'
    return _pmml("regression", target, _table(reg.coef_, reg.intercept_, FEATURES[:3]), FEATURES[:3])


def pmml_with_external_entity() -> bytes:
    return pmml_iris().replace(b"<PMML ", b'<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<PMML ', 1
                               ).replace(b'description="written', b'description="&xxe; written', 1)


def pmml_billion_laughs() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return pmml_iris().replace(b"<PMML ", f"<!DOCTYPE PMML [{entities}]>\n<PMML ".encode(), 1
                               ).replace(b'description="written', b'description="&lol9; written', 1)


# TensorFlow ----------------------------------------------------------------------
def keras_iris(export_dir: str):
    """A Keras softmax layer holding the logistic regression's weights, exported as a
    SavedModel (serving_default); returns the Keras model for its own predictions."""
    import keras

    lr = iris_logreg()
    model = keras.Sequential([keras.Input((4,), name="features"), keras.layers.Dense(3, activation="softmax")])
    model.layers[0].set_weights([lr.coef_.T.astype(np.float32), lr.intercept_.astype(np.float32)])
    model.export(export_dir, verbose=False)
    return model


def tf_petal_width(export_dir: str) -> None:
    """A tf.Module regression (one value per row) with an explicit serving signature."""
    import tensorflow as tf

    reg = petal_width_linreg()

    class Linear(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(reg.coef_.astype(np.float32))
            self.b = tf.Variable(np.float32(reg.intercept_))

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
        def serve(self, x):
            return {"petal_width": tf.linalg.matvec(x, self.w) + self.b}

    module = Linear()
    tf.saved_model.save(module, export_dir, signatures={"serving_default": module.serve})


def pack_tgz(directory: str, top: str = "") -> bytes:
    """A directory as .tar.gz: at the archive's top level, or under one directory `top`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(directory, arcname=top or ".")
    return buffer.getvalue()
