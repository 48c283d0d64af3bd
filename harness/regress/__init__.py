"""Firmware regression: golden designs regenerated from their specs on every change and compared with
stored baselines (`harness regress`, `nox -s regress`).

A job on top of the flow (it calls `harness.flow`'s stages; nothing in the flow imports it):
`golden` reads the golden designs and their tolerances, `run` runs one through the flow, `baseline`
reads and writes the stored baselines, `compare` judges a run field by field, `report` prints the
tables and writes JUnit XML, `cli` is the command.
"""
