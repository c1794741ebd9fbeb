"""Benchmarks: generated corpora of N submissions, each measurement in its own process (`python -m bench.run`)."""
