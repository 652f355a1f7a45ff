"""The systems ``python -m loadtest.bench`` measures side by side, and their parts.

* ``models``          - the iris ONNX models every system serves (trained once per run)
* ``baseline``        - FastAPI + ONNX Runtime in one process, the models scored inline
* ``ray_serve_peer``  - Ray Serve: an ensemble deployment over one deployment per model
* ``platform``        - this platform, started with ``python -m stack up``, and its models
* ``platform_phases`` - the platform's phases, each on a fresh platform
* ``hot_swap``        - the phase that swaps a model's version under steady load
* ``procs``           - starting servers in their own session, stopping them by PID
* ``summary``         - pure: result.json -> a point, knee detection, ratios, CPU attribution
* ``markdown``        - BENCHMARKS.md: the run's facts, rendered by ``benchmarks.md.j2``
* ``bench_plots``     - the PNGs of BENCHMARKS.md
"""
