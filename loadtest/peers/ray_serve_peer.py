"""The Ray Serve peer: what a user would build instead of this platform.

One deployment per model (an ONNX Runtime session, one thread), and an ensemble
deployment behind Ray Serve's HTTP proxy that, for each request, calls every
model deployment at once, waits with ``asyncio.wait`` for the preferred model
until the same deadline the platform's policy uses, and otherwise falls back to
the backstop (awaiting it if it has not answered yet).  The third model scores
every request too; its answer is never official.

Differences from the platform's ``deadline`` policy, kept on purpose because
this is what the straightforward Ray Serve program does: the deadline counts
from when the ensemble got the request, and a late backstop is awaited rather
than answered with an explicit timeout.

    python -m loadtest.peers.ray_serve_peer --manifest MODELS/manifest.json --port 8102

It starts its own local Ray (``address="local"``, never someone else's), and on
SIGTERM or Ctrl-C shuts Serve and that Ray down.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
import uuid

from loadtest.peers.models import read_manifest

MAX_ONGOING = 64  # per replica; Serve's default (5) would queue 16 connections in the proxy


def build_app(manifest: dict, num_cpus: float = 0.1):
    """The Serve application: the ensemble bound to one deployment per model."""
    from ray import serve

    @serve.deployment(ray_actor_options={"num_cpus": num_cpus}, max_ongoing_requests=MAX_ONGOING)
    class OnnxModel:
        def __init__(self, name: str, version: str, path: str) -> None:
            from loadtest.peers.baseline import InlineModel  # the very session the baseline runs

            self.name, self.version = name, version
            self._model = InlineModel(name, version, path)

        def predict(self, values: list[float]) -> dict:
            import numpy as np

            label, values = self._model.score(np.asarray([values], np.float32))
            return {"model": {"name": self.name, "version": self.version},
                    "output": {"label": label, "values": values}}

    @serve.deployment(ray_actor_options={"num_cpus": num_cpus}, max_ongoing_requests=MAX_ONGOING)
    class Ensemble:
        def __init__(self, settings: dict, *models) -> None:
            self.data_type = settings["data_type"]
            self.deadline_s = settings["deadline_ms"] / 1000.0
            self.models = models
            self.preferred, self.backstop = settings["preferred_index"], settings["backstop_index"]

        async def __call__(self, request):
            import orjson
            from starlette.responses import Response

            from gateway.schemas import PredictBody

            name = request.url.path.rstrip("/").rsplit("/", 1)[-1]
            if name != self.data_type:
                return Response(orjson.dumps({"error": f"unknown data type {name!r}"}), status_code=404,
                                media_type="application/json")
            try:
                body = PredictBody.model_validate_json(await request.body())
            except ValueError as exc:
                return Response(orjson.dumps({"error": str(exc)[:500]}), status_code=422,
                                media_type="application/json")
            features = body.features
            values = list(features.values()) if isinstance(features, dict) else features
            calls = [asyncio.ensure_future(_resolve(model.predict.remote(values))) for model in self.models]
            for call in calls:
                call.add_done_callback(_retrieve)
            preferred = calls[self.preferred]
            done, _ = await asyncio.wait({preferred}, timeout=self.deadline_s)
            if preferred in done and preferred.exception() is None:
                chosen, reason = preferred.result(), "preferred"
            else:
                chosen, reason = await calls[self.backstop], "backstop"
            answer = {"request_id": uuid.uuid4().hex, "data_type": name, "record_id": body.record_id,
                      **chosen, "policy": "ray-serve-deadline", "reason": reason}
            return Response(orjson.dumps(answer), media_type="application/json")

    models = manifest["models"]
    bound = [OnnxModel.options(name=f"model-{m['short']}").bind(m["name"], m["version"], m["path"])
             for m in models]
    names = [m["name"] for m in models]
    settings = {"data_type": manifest["data_type"], "deadline_ms": manifest["deadline_ms"],
                "preferred_index": names.index(manifest["preferred"]),
                "backstop_index": names.index(manifest["backstop"])}
    return Ensemble.bind(settings, *bound)


async def _resolve(response):
    return await response


def _retrieve(task: asyncio.Future) -> None:
    """Mark a failure as seen (answers nobody waits for must not warn at exit)."""
    if not task.cancelled():
        task.exception()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", required=True, help="manifest.json written by loadtest.peers.models")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count(), help="CPUs of the local Ray")
    args = parser.parse_args(argv)
    # The platform's runners run at nice 0 (model_runners/ray_host.py); so do these.
    os.environ.setdefault("RAY_worker_niceness", "0")
    import ray
    from ray import serve

    ray.init(address="local", num_cpus=args.num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
             namespace=f"bench-serve-{uuid.uuid4().hex[:6]}", log_to_driver=False)
    # After ray.init, which installs its own SIGTERM handler (it exits at once and leaves
    # Ray's agents behind): stop here instead, then shut Serve and Ray down in order.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": args.port})
        serve.run(build_app(read_manifest(args.manifest)), name="bench", route_prefix="/v1/predict")
        print(f"READY: Ray Serve on http://127.0.0.1:{args.port}/v1/predict", flush=True)
        stop.wait()
    finally:
        try:
            serve.shutdown()
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main()
