"""A Kafka-native client: produce a Request with your own return address, read the
official answer from your own topic. No HTTP involved.

    python examples/kafka_native.py --bootstrap 127.0.0.1:9092 5.1 3.5 1.4 0.2
"""
from __future__ import annotations

import argparse
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from common.wire import serving_pb2 as pb  # generated from proto/serving.proto


def ask(bootstrap: str, data_type: str, features: list[float], timeout_s: float = 10.0) -> pb.Answer:
    reply_topic = f"replies.client-{uuid.uuid4().hex[:8]}"  # your return address
    admin = AdminClient({"bootstrap.servers": bootstrap})  # keep a reference until the result is in
    admin.create_topics([NewTopic(reply_topic, 1)])[reply_topic].result(10)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": reply_topic,
                         "fetch.wait.max.ms": 5, "enable.auto.commit": False})
    consumer.assign([TopicPartition(reply_topic, 0, 0)])  # no group join: read from the start

    request_id = uuid.uuid4().hex
    request = pb.Request(
        request_id=request_id, data_type=data_type, input=pb.Features(values=features),
        reply_to=pb.ReturnAddress(topic=reply_topic, correlation_id=request_id),
        deadline_ms=200, enqueued_at_us=time.time_ns() // 1000)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    producer.produce(f"requests.{data_type}", request.SerializeToString(), key=request_id)
    producer.flush()

    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                continue
            answer = pb.Answer()
            answer.ParseFromString(msg.value())
            if answer.correlation_id == request_id:  # dedupe and match by id
                return answer
        raise TimeoutError(f"no answer for {request_id} within {timeout_s} s")
    finally:
        consumer.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--data-type", default="iris")
    parser.add_argument("features", type=float, nargs="+")
    args = parser.parse_args()
    answer = ask(args.bootstrap, args.data_type, args.features)
    print(f"label={answer.output.label} model={answer.model.name}:{answer.model.version} "
          f"reason={pb.Reason.Name(answer.reason)} waited_us={answer.waited_us}")
