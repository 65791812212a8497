"""Benchmarks and cross-checks against peer codes (run from the repository root; not installed)."""
