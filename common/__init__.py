"""Code shared by the services: domain types, the wire codec, settings and the Kafka wrapper.

The services (gateway, model_runners, rendezvous, registry) talk only through topics
and never import one another; this package is what they share.
"""
