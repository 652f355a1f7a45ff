"""The registry's Redis key layout, version 1: the one place its keys are spelled.

The registry service writes these keys; everything else reads them through
registry/client.py. A change to a key or to a value's shape bumps LAYOUT (a new prefix),
so an old reader finds nothing rather than misreading a new shape.

Model state, rebuilt from the state topics each time the registry starts. Each build is
a generation; readers follow CURRENT, which the registry moves to a new generation only
once that generation has read every state topic to its end, so a reader never sees a
half-built registry:
  rv:v1:state:current                     the generation readers use (a string)
  rv:v1:state:{gen}:models                hash "<name>:<version>" -> JSON summary (client.summary)
  rv:v1:state:{gen}:history:{name}        list of JSON events, newest last
  rv:v1:state:{gen}:policy:{data_type}    JSON {data_type, policy, params, updated_at_us}
  rv:v1:state:{gen}:descriptor:{key}      a version's newest descriptor, as published (protobuf)

Audit and serving stats, written from the decisions and late-scores topics. The audit
records, late scores and the record index expire after REGISTRY_AUDIT_RETENTION_S; the
stats are counters and bounded lists, and stay:
  rv:v1:audit:{request_id}                JSON: the request, every score, the decision
  rv:v1:audit:{request_id}:late           list of JSON late scores
  rv:v1:record:{record_id}                sorted set of request ids by time enqueued
  rv:v1:mstats:{name}                     hash "{version}|{counter}" -> count
  rv:v1:mlat:{name}|{version}             list of the most recent latencies (ms)
  rv:v1:dstats:{data_type}                hash reason -> count (timeouts and errors included)
  rv:v1:dlat:{data_type}                  list of the most recent answer latencies (ms)

Replays, written from the compacted replays topic (rewritten in place on each start;
a job's record is its newest one):
  rv:v1:replay:{replay_id}                JSON: the job (spec, status, progress, report)
  rv:v1:replays:{model name}              hash replay_id -> version
"""
from __future__ import annotations

LAYOUT = "rv:v1"
CURRENT = f"{LAYOUT}:state:current"


def generation(gen: str) -> str:
    """The prefix of every state key of one generation (for clearing an old one)."""
    return f"{LAYOUT}:state:{gen}:"


def models(gen: str) -> str:
    return f"{generation(gen)}models"


def history(gen: str, name: str) -> str:
    return f"{generation(gen)}history:{name}"


def policy(gen: str, data_type: str) -> str:
    return f"{generation(gen)}policy:{data_type}"


def descriptor(gen: str, key: str) -> str:
    return f"{generation(gen)}descriptor:{key}"


def audit(request_id: str) -> str:
    return f"{LAYOUT}:audit:{request_id}"


def late(request_id: str) -> str:
    return f"{LAYOUT}:audit:{request_id}:late"


def record(record_id: str) -> str:
    return f"{LAYOUT}:record:{record_id}"


def model_stats(name: str) -> str:
    return f"{LAYOUT}:mstats:{name}"


def model_latency(name: str, version: str) -> str:
    return f"{LAYOUT}:mlat:{name}|{version}"


def data_type_stats(data_type: str) -> str:
    return f"{LAYOUT}:dstats:{data_type}"


def data_type_latency(data_type: str) -> str:
    return f"{LAYOUT}:dlat:{data_type}"


def replay(replay_id: str) -> str:
    return f"{LAYOUT}:replay:{replay_id}"


def replays_of(model: str) -> str:
    return f"{LAYOUT}:replays:{model}"
