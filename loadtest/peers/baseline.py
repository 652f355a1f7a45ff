"""The no-platform baseline: FastAPI + ONNX Runtime in one process (uvicorn, one
worker), every model of the manifest scored inline on each request, and the
preferred model's answer returned.  No broker, no deadline to wait on: this is the
practical limit for serving these models over HTTP from Python on this machine.

It accepts the gateway's own request body (``gateway.schemas.PredictBody``) and
answers in the gateway's shape, so the same load tool drives it::

    python -m loadtest.peers.baseline --manifest MODELS/manifest.json --port 8101
"""

from __future__ import annotations

import argparse
import time
import uuid

import numpy as np
import orjson
from fastapi import FastAPI
from fastapi.responses import Response

from gateway.schemas import PredictBody
from loadtest.peers.models import read_manifest


class InlineModel:
    """One ONNX Runtime session, one thread (as the platform's runners use it)."""

    def __init__(self, name: str, version: str, path: str) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.name, self.version = name, version
        self._session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def score(self, row: np.ndarray) -> tuple[str, list[float]]:
        labels, probabilities = self._session.run(None, {self._input: row})[:2]
        return str(labels[0]), [float(p) for p in probabilities[0]]


def create_app(manifest: dict) -> FastAPI:
    data_type = manifest["data_type"]
    models = [InlineModel(m["name"], m["version"], m["path"]) for m in manifest["models"]]
    preferred = next(i for i, m in enumerate(models) if m.name == manifest["preferred"])
    app = FastAPI(title="baseline: FastAPI + ONNX Runtime, models inline")

    @app.post("/v1/predict/{name}")
    async def predict(name: str, body: PredictBody) -> Response:
        started = time.perf_counter()
        if name != data_type:
            return Response(orjson.dumps({"error": f"unknown data type {name!r}; known: {data_type}"}),
                            status_code=404, media_type="application/json")
        features = body.features
        values = list(features.values()) if isinstance(features, dict) else features
        row = np.asarray([values], dtype=np.float32)
        scores = [model.score(row) for model in models]  # every model scores every request
        label, values = scores[preferred]
        chosen = models[preferred]
        answer = {"request_id": uuid.uuid4().hex, "data_type": name, "record_id": body.record_id,
                  "output": {"label": label, "values": values},
                  "model": {"name": chosen.name, "version": chosen.version},
                  "policy": "inline", "reason": "preferred",
                  "latency_ms": round((time.perf_counter() - started) * 1000, 3)}
        return Response(orjson.dumps(answer), media_type="application/json")

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True, help="manifest.json written by loadtest.peers.models")
    parser.add_argument("--port", type=int, default=8101)
    args = parser.parse_args(argv)
    app = create_app(read_manifest(args.manifest))
    uvicorn.run(app, host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
