"""Performance measurements; run with ``python -m benchmarks [NAME ...]`` (``make benchmarks``)."""
