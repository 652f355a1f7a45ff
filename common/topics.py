"""Topic names, in one place. Every data type has its own request topic; every
gateway instance has its own reply topic (its return address)."""
from __future__ import annotations

import re

MODELS = "models"              # model descriptors, keyed "<name>:<version>"
MODEL_STATUS = "model-status"  # what the runner supervisor saw, keyed "<name>:<version>"
POLICIES = "policies"          # the policy of each data type, keyed by data type
SCORES = "scores"              # every model's score, keyed by request id
DECISIONS = "decisions"        # one decision record per request, for audit
LATE_SCORES = "late-scores"    # scores that arrived after their request was answered, for audit
DEAD_LETTERS = "dead-letters"  # messages no consumer could handle, with their origin
REPLAYS = "replays"            # replay jobs: spec, progress and report, keyed by replay id

REQUESTS_PREFIX = "requests."
REPLIES_PREFIX = "replies."

# Created at start-up; request topics are created when a data type's first model is published.
CORE_TOPICS = (MODELS, MODEL_STATUS, POLICIES, SCORES, DECISIONS, LATE_SCORES, DEAD_LETTERS, REPLAYS)

# Compacted topics: the newest record per key is the state.
COMPACTED = (MODELS, POLICIES, MODEL_STATUS, REPLAYS)

# State topics have one partition: a few records a minute need no parallelism, and one
# partition keeps every state change in one order.
SINGLE_PARTITION = COMPACTED


def partition_count(name: str, default: int) -> int:
    """A gateway's reply topic has one reader, so more partitions would only split each
    rendezvous poll's answers to it into more produce requests (librdkafka sends one
    request per partition)."""
    return 1 if name in SINGLE_PARTITION or name.startswith(REPLIES_PREFIX) else default

_DATA_TYPE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def valid_data_type(name: str) -> bool:
    """Data types become topic names, so they are restricted to a safe alphabet."""
    return bool(_DATA_TYPE.match(name))


def requests_topic(data_type: str) -> str:
    return f"{REQUESTS_PREFIX}{data_type}"


def replies_topic(instance_id: str) -> str:
    return f"{REPLIES_PREFIX}{instance_id}"
