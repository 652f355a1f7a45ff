"""Load generator for the serving platform's HTTP predict API.

Run it with ``python -m loadtest --help``.  The package is split so that each
concern can be read (and tested) on its own:

* ``schedule``       - when an open-loop run should send each request (pure math)
* ``runner``         - the open- and closed-loop drivers
* ``transport``      - the ``Transport`` protocol and the registry of transports
* ``http_transport`` - the HTTP transport, on top of ``http_wire`` (raw HTTP/1.1)
* ``ledger``         - one JSON line per request, the evidence for ``ledger_check``
* ``ledger_check``   - the reliability contract: nothing lost, duplicated or unexpected
* ``stats``, ``report``, ``plots`` - percentiles, result.json and the PNG plots
* ``live``           - the once-a-second progress line on stderr
* ``fake_server``    - a canned-answer server to test the tool itself
"""
