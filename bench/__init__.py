"""Benchmarks and evaluations; `python -m bench` runs every benchmark (bench/__main__.py, BENCHMARKS.md)."""
