"""The HTTP gateway: FastAPI routes over PredictService. Stateless, so it scales by
instances; each instance owns a reply topic, its return address."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import redis
from fastapi import FastAPI, Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from common import topics
from common.topics import CORE_TOPICS
from common.kafka import KafkaProducer, ensure_topics
from common.replies import ReplyListener
from common.stream import DeadLetters
from common.settings import InfraSettings
from gateway import admin, audit_api, oip_api, policy_api, replay_api, stats_windows_api
from gateway.metrics import GatewayMetrics, RequestMetrics, router as metrics_router
from gateway.answers import answer_body
from gateway.errors import install_error_handlers, json_response
from gateway.limits import BodySizeLimit, ShedWhenFull
from gateway.readiness import Readiness
from gateway.schemas import INVALID, ErrorBody, PredictAnswer, PredictBody, error_responses
from gateway.core import PredictService
from gateway.web_console import mount_console
from gateway.settings import GatewaySettings, check_model_fits_a_message
from registry.client import AuditClient, RegistryClient, ReplayClient
from stats.client import StatsWindowsClient

log = logging.getLogger(__name__)


def create_app(infra: InfraSettings, settings: GatewaySettings) -> FastAPI:
    check_model_fits_a_message(settings, infra.kafka_max_message_bytes)
    reply_topic = topics.replies_topic(settings.instance_id)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await asyncio.to_thread(ensure_topics, infra, [*CORE_TOPICS, reply_topic])
        producer = KafkaProducer(infra, report_successes=False)
        redis_client = redis.Redis.from_url(infra.redis_url)  # read in threads, off the event loop
        app.state.registry, app.state.audit = RegistryClient(redis_client), AuditClient(redis_client)
        app.state.replays = replay_api.ReplayDesk(ReplayClient(redis_client))
        app.state.stats_windows = StatsWindowsClient(settings.stats_url)
        app.state.producer, app.state.infra, app.state.settings = producer, infra, settings
        service = PredictService(settings, producer, reply_topic)
        listener = ReplyListener(infra, reply_topic, service.deliver,
                                 dead_letters=DeadLetters(producer, f"gateway-{settings.instance_id}"))
        listener.start(asyncio.get_running_loop())
        readiness = Readiness(infra, producer, app.state.registry, service, settings.registry_refresh_s)
        await readiness.refresh()
        refresher = asyncio.create_task(readiness.keep_fresh())
        app.state.service, app.state.readiness = service, readiness
        metrics.service = service
        log.info("gateway %s listening; return address %s", settings.instance_id, reply_topic)
        yield
        readiness.draining = True  # readiness goes false first; in-flight requests finish below
        refresher.cancel()
        listener.stop()
        await asyncio.to_thread(producer.close)
        await app.state.stats_windows.close()
        redis_client.close()

    # responses=INVALID: every route's 422 is the ErrorBody the handler writes, not FastAPI's own shape.
    app = FastAPI(title="Rendezvous serving gateway", version="0.1.0", lifespan=lifespan, responses=INVALID,
                  description="Score records with every model of a data type; get one official answer "
                              "within the deadline, tagged with the model version that produced it.")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, max_model_bytes=settings.max_model_bytes)
    app.add_middleware(ShedWhenFull)  # outside the size limit: a refused request's body is never read
    metrics = app.state.metrics = GatewayMetrics()
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost: it sees the size limit's 413s too
    install_error_handlers(app)
    app.include_router(admin.router)
    app.include_router(policy_api.router)
    app.include_router(audit_api.router)
    app.include_router(stats_windows_api.router)
    app.include_router(replay_api.router)
    app.include_router(metrics_router)
    app.include_router(oip_api.router)  # the Open Inference Protocol v2, beside /v1
    mount_console(app)  # the web console's static page, at /console/

    # The body is parsed and validated by pydantic in one step from its bytes, not by
    # FastAPI's body machinery (stdlib json, then validation, then content-type parsing):
    # on the request path that machinery cost more than the handler itself. The spec
    # still shows PredictBody's schema, from openapi_extra.
    @app.post("/v1/predict/{data_type}", response_model=PredictAnswer, tags=["predict"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": PredictBody.model_json_schema()}}}},
              responses={404: {"model": ErrorBody},
                         422: {"model": ErrorBody, "description": "A malformed body, or features that don't fit "
                               "the data type's input schema: `error` lists the expected features in order."},
                         502: {"model": PredictAnswer, "description": "Every model answered with an error "
                               "(reason `error`): `errored` lists each model with its error."},
                         503: {"model": ErrorBody},
                         **error_responses(status_413="A body larger than the gateway takes."),
                         504: {"model": PredictAnswer, "description": "No model answered by the deadline."}})
    async def predict(data_type: str, http: HttpRequest) -> Response:
        """Score one record with every model of `data_type` and return the official answer."""
        started = time.perf_counter()
        body = parse_body(PredictBody, await http.body())
        request, answer = await http.app.state.service.predict(
            data_type, body.features, body.record_id, body.deadline_ms)
        status, payload = answer_body(request, answer, (time.perf_counter() - started) * 1000)
        return json_response(status, payload)

    @app.get("/health", tags=["operations"])
    async def health() -> dict:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], responses={503: {"description": "Not ready, with the reasons."}})
    async def ready(http: HttpRequest) -> Response:
        """The broker, Redis and at least one model per data type are ready (else 503,
        with the problems). Warnings, such as a data type whose live models disagree on
        its input schema, are listed without making the gateway unready."""
        problems = http.app.state.readiness.problems()
        body = {"ready": not problems, "problems": problems, "warnings": http.app.state.readiness.warnings(),
                "data_types": http.app.state.service.known_data_types}
        return json_response(503 if problems else 200, body)

    return app


def parse_body(model: type[BaseModel], raw: bytes):
    """Validate JSON bytes against `model`; a bad body is the same 422 FastAPI would give."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
