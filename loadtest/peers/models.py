"""The models every system in the benchmark serves: iris classifiers as ONNX.

Trained once per benchmark run (deterministic seeds) and written to one folder, so
the platform, the FastAPI baseline and Ray Serve load the very same bytes.  The
first three make the "3 models with the deadline policy" set: the preferred
model, the backstop and a third serving model whose score is recorded but never
official.  Five models add two more serving models.

``stack/demo.py`` trains the demo's two models; the bench needs up to five, so
it has its own list here and reuses the demo's ONNX conversion and descriptor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from common.descriptors import DataTypePolicy, ModelDescriptor, Resources
from common.domain import Role

VERSION = "1"
DEADLINE_MS = 50  # the deadline policy's deadline, and Ray Serve's asyncio.wait timeout

# (short name, role) in the order the sets take them: 1 = the preferred model alone.
ROSTER = (
    ("forest", Role.SERVE),      # preferred: random forest, 30 trees
    ("logreg", Role.BACKSTOP),   # backstop: logistic regression
    ("tree", Role.SERVE),        # a third serving model: one decision tree
    ("gboost", Role.SERVE),      # gradient boosting, 20 stages
    ("knn", Role.SERVE),         # 5 nearest neighbours
)
PREFERRED, BACKSTOP = ROSTER[0][0], ROSTER[1][0]


@dataclass(frozen=True)
class TrainedModel:
    short: str
    role: Role
    onnx: bytes
    accuracy: float

    def file_name(self) -> str:
        return f"{self.short}.onnx"


def train(count: int = len(ROSTER)) -> list[TrainedModel]:
    """The first ``count`` models of ``ROSTER``, trained on scikit-learn's iris set."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    from stack.demo import to_onnx

    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=7, stratify=y)
    makers = {
        "forest": lambda: RandomForestClassifier(n_estimators=30, max_depth=4, random_state=7),
        "logreg": lambda: LogisticRegression(max_iter=500),
        "tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=7),
        "gboost": lambda: GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=7),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
    }
    trained = []
    for short, role in ROSTER[:count]:
        model = makers[short]().fit(X_train, y_train)
        trained.append(TrainedModel(short, role, to_onnx(model, X.shape[1]), float(model.score(X_test, y_test))))
    return trained


def model_name(data_type: str, short: str) -> str:
    """Model keys (name:version) are global on the models topic, so names carry the data type."""
    return f"{data_type}-{short}"


def write_models(models: list[TrainedModel], folder: Path, data_type: str) -> Path:
    """Write the ONNX files and a manifest the peers read; returns the manifest path."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for model in models:
        (folder / model.file_name()).write_bytes(model.onnx)
        entries.append({"name": model_name(data_type, model.short), "version": VERSION, "short": model.short,
                        "role": model.role.value, "file": model.file_name(),
                        "sha256": hashlib.sha256(model.onnx).hexdigest()})
    manifest = {"data_type": data_type, "deadline_ms": DEADLINE_MS, "models": entries,
                "preferred": model_name(data_type, PREFERRED), "backstop": model_name(data_type, BACKSTOP)}
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    return path


def read_manifest(path: Path) -> dict:
    """The manifest, with each model's ``path`` resolved next to it."""
    manifest = json.loads(Path(path).read_text())
    for entry in manifest["models"]:
        entry["path"] = str(Path(path).parent / entry["file"])
    return manifest


def descriptors(models: list[TrainedModel], data_type: str, replicas: int = 1,
                num_cpus: float = Resources().num_cpus, version: str = VERSION) -> list[ModelDescriptor]:
    """Descriptors for publishing ``models`` under ``data_type`` to the platform."""
    from stack.demo import descriptor

    out = []
    for model in models:
        d = descriptor(model_name(data_type, model.short), version, model.onnx, model.accuracy, model.role,
                       data_type=data_type, description=f"bench: {model.short}")
        out.append(dataclasses.replace(d, resources=Resources(num_cpus=num_cpus, replicas=replicas)))
    return out


def policy(data_type: str, model_count: int) -> DataTypePolicy:
    """``first`` for one model; ``deadline`` (preferred + backstop) for more."""
    from common.clock import now_us

    if model_count == 1:
        return DataTypePolicy(data_type, "first", {"deadline_ms": str(DEADLINE_MS)}, now_us())
    return DataTypePolicy(data_type, "deadline", {"preferred": model_name(data_type, PREFERRED),
                                                  "backstop": model_name(data_type, BACKSTOP),
                                                  "deadline_ms": str(DEADLINE_MS)}, now_us())


def known_versions(data_type: str, count: int) -> str:
    """The ``--known-versions`` argument for a data type serving the first ``count`` models."""
    return ",".join(f"{model_name(data_type, short)}:{VERSION}" for short, _ in ROSTER[:count])
