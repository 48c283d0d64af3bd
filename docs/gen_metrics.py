"""The metrics.json reference generated at build time from harness.record (placeholder)."""

import mkdocs_gen_files

with mkdocs_gen_files.open("reference/metrics.md", "w") as handle:
    handle.write("# metrics.json\n\nTo be generated from `harness.record`.\n")
