"""qdpool's benchmark suite, run by ``make bench`` (``python -m benchmarks``).

It puts qdpool side by side with the raw Python transports (the floor) and the
official qdrant-client (what users would pick instead), in one run on one
machine, against a server in a separate process, and writes a Markdown table,
a JSON dump and PNG plots to ``benchmarks/results/``. See docs/performance.md.

Modules, in the order a run uses them:

- ``settings``   sizes and switches (full, ``--quick``, tiny for the smoke test)
- ``server``     the embedded server in a subprocess, or ``--url`` to any Qdrant
- ``dataset``    seeded vectors and the collection they are loaded into
- ``clients``    one adapter per client under test, same query for all
- ``measure``    the timing loops: latency, client CPU per call, throughput
- ``latency``    the side-by-side rounds in alternating order
- ``overhead``   the pipeline's own cost over a null transport
- ``ingest``     bulk ingestion, each client in a fresh process for peak memory
- ``targets``    the target ratios and the default protocol the figures favour
- ``report`` / ``plots``  the Markdown table, JSON and PNGs
"""
