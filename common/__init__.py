"""Code shared by the services: domain types, the wire codec, settings, the Kafka
wrapper, the policies and the plug-in loader.

The services (gateway, model_runners, rendezvous, registry) talk only through topics;
the gateway reads registry state only through registry/client.py. This package is what
they share, and it imports none of them. tests/unit/test_architecture.py holds the
table of what each package may import.
"""
