"""qdpool's benchmark suite, run by ``make bench`` (``python -m benchmarks``).

It puts qdpool side by side with the raw Python transports (the floor) and the
official qdrant-client (what users would pick instead), in one run on one
machine, against a server in a separate process, and writes a Markdown table,
a JSON dump and PNG plots to ``benchmarks/results/``. See docs/performance.md.

Modules, in the order a run uses them:

- ``settings``   sizes and switches (full, ``--quick``, ``--tiny`` for the smoke test)
- ``suite``      the stages in order, then the report (``__main__`` calls it)
- ``overhead`` / ``anatomy``  the pipeline's own cost over a null transport, and the
                 per-call steps outside it (argument checks, encoding, decoding)
- ``server``     the embedded server in a subprocess, ``trivial_server`` (canned answers,
                 for client-bound figures), or ``--url`` to any Qdrant
- ``dataset``    seeded vectors and the collection they are loaded into
- ``clients`` (+ ``clients_qdpool``, ``clients_raw``, ``clients_official``)
                 one adapter per client under test, same query for all
- ``measure``    the timing loops: latency, client CPU per call, throughput
- ``latency``    the side-by-side rounds in alternating order
- ``ingest``     bulk ingestion, each run in a fresh process for its peak memory
- ``summary`` / ``stats`` / ``targets``  rows, percentiles, target ratios, favoured defaults
- ``report`` / ``plots`` / ``machine``   the Markdown table, JSON, PNGs, machine description
- ``profile_client``  pyinstrument over one client's query loop (a tool, not a stage)

``telemetry_overhead`` and ``tail_latency`` are the telemetry and resilience
owners' benchmarks; the suite includes the first's table and runs the second as
the opt-in ``tail`` stage.
"""
