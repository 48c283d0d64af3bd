"""Benchmark result tables generated at build time from benchmarks/results/*.json (placeholder)."""

import mkdocs_gen_files

with mkdocs_gen_files.open("explanation/benchmarks.md", "w") as handle:
    handle.write("# Benchmark results\n\nTo be generated from `benchmarks/results/*.json`.\n")
