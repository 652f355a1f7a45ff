"""The load tool: what wrk, hey, locust and k6 lack (docs/decisions/008-own-load-tool.md).

``python -m loadtest --help`` runs load; ``python -m loadtest check LEDGER`` checks a
ledger; ``python -m loadtest.bench`` is the side-by-side benchmark (``make bench``).

* ``ledger``, ``ledger_check`` - one JSON line per request, and the reliability contract
                                 read from it: nothing lost, duplicated, unexpected or
                                 from a model version that never loaded
* ``transport``      - the ``Transport`` protocol and the registry of transports
* ``kafka_transport`` - requests on ``requests.<data_type>``, answers on a reply topic
* ``http_transport`` - the HTTP transport, on top of ``http_wire`` (raw HTTP/1.1)
* ``schedule``, ``runner`` - the open loop's schedule (and whether it was kept), the drivers
* ``stats``, ``report``, ``live`` - percentiles, result.json, the progress line
* ``bench``, ``peers`` - the benchmark's orchestration and the systems it compares
* ``soak``, ``broker_probe``, ``group_probe`` - the measurements the docs cite
"""
