"""Create the platform's topics and publish the demo models and policy."""
from __future__ import annotations

from common.kafka import KafkaProducer, ensure_topics
from common.publishing import publish_model, publish_policy
from common.settings import InfraSettings
from common.topics import CORE_TOPICS


def bootstrap(env: dict, demo: bool = True, replicas: int = 1) -> None:
    """`replicas`: of each demo model (one per Ray node)."""
    infra = InfraSettings(kafka_bootstrap=env["KAFKA_BOOTSTRAP"], redis_url=env["REDIS_URL"],
                          kafka_replication_factor=int(env.get("KAFKA_REPLICATION_FACTOR", -1)),
                          kafka_min_insync_replicas=int(env.get("KAFKA_MIN_INSYNC_REPLICAS", 0)))
    ensure_topics(infra, CORE_TOPICS)
    if not demo:
        return
    from stack import demo as iris

    producer = KafkaProducer(infra)
    try:
        for descriptor in iris.iris_models(replicas=replicas):
            publish_model(producer, infra, descriptor)
            print(f"[up] published demo model {descriptor.key} ({descriptor.role.value}, "
                  f"accuracy {descriptor.quality:.3f})", flush=True)
        publish_policy(producer, iris.iris_policy())
    finally:
        producer.close()
