"""Benchmarks of PirateChat. ``python -m bench`` (``make bench``) runs the
connection benchmark: PirateChat beside its peers under one Node load
generator (bench/loadgen.js); see bench/README.md.
"""
