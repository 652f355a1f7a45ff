"""The demo data type `iris`, trained at start-up on the iris data set that
scikit-learn ships: a random-forest champion and a logistic-regression backstop,
both ONNX, served with the deadline policy."""
from __future__ import annotations

import hashlib

from common.clock import now_us
from common.descriptors import DataTypePolicy, ModelDescriptor, Resources, SchemaField
from common.domain import Role

DATA_TYPE = "iris"
WARM_UP_FEATURES = [5.1, 3.5, 1.4, 0.2]  # a setosa
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
CHAMPION, BACKSTOP = "iris-forest", "iris-logreg"


def to_onnx(model, n_features: int) -> bytes:
    import numpy as np
    from skl2onnx import to_onnx as convert

    onx = convert(model, np.zeros((1, n_features), dtype=np.float32), target_opset=17,
                  options={id(model): {"zipmap": False}})
    return onx.SerializeToString()


def train() -> list[tuple[object, float]]:
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=7, stratify=y)
    forest = RandomForestClassifier(n_estimators=30, max_depth=4, random_state=7).fit(X_train, y_train)
    logreg = LogisticRegression(max_iter=500).fit(X_train, y_train)
    return [(forest, forest.score(X_test, y_test)), (logreg, logreg.score(X_test, y_test))]


def descriptor(name: str, version: str, onnx_bytes: bytes, accuracy: float, role: Role,
               data_type: str = "iris", description: str = "", replicas: int = 1) -> ModelDescriptor:
    return ModelDescriptor(
        name=name, version=version, data_type=data_type, format="onnx", role=role, description=description,
        inline_bytes=onnx_bytes, sha256=hashlib.sha256(onnx_bytes).hexdigest(),
        input_schema=tuple(SchemaField(f) for f in FEATURES), output_schema=(SchemaField("label", "string"),),
        quality_metric="accuracy", quality=accuracy, created_at_us=now_us(), resources=Resources(replicas=replicas))


def iris_models(version: str = "1", replicas: int = 1) -> list[ModelDescriptor]:
    """`replicas` of each: one per Ray node when `stack up` runs several."""
    (forest, forest_acc), (logreg, logreg_acc) = train()
    return [descriptor(CHAMPION, version, to_onnx(forest, 4), forest_acc, Role.SERVE,
                       description="Random forest, 30 trees: the champion", replicas=replicas),
            descriptor(BACKSTOP, version, to_onnx(logreg, 4), logreg_acc, Role.BACKSTOP,
                       description="Logistic regression: the fast backstop", replicas=replicas)]


def iris_policy(deadline_ms: int = 100) -> DataTypePolicy:
    return DataTypePolicy("iris", "deadline", {"preferred": CHAMPION, "backstop": BACKSTOP,
                                               "deadline_ms": str(deadline_ms)}, now_us())
