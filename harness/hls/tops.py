"""The model top among a run's C-synthesis reports (Vivado HLS writes one per module): named by the
hls4ml project, the HLS project file, or else the largest design."""

from __future__ import annotations

import re

import yaml

from harness.hls.scan import ProjectScan, path_order
from harness.hls.sniff import ReportFile, parse_csynth
from harness.hls.values import read_text


class ConfigLoader(yaml.SafeLoader):
    """hls4ml_config.yml contains local tags such as `!keras_model`; read them as null."""


ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def top_hints(found: ProjectScan) -> list[tuple[str, str]]:
    """Names that identify the model top, strongest first: the hls4ml project name, hls4ml's default
    name, then the top of the HLS project file (unless that top is a wrapper around the model)."""
    hints: list[tuple[str, str]] = []
    for config in sorted(found.configs, key=path_order)[:1]:
        try:
            data = yaml.load(read_text(config), Loader=ConfigLoader)
        except yaml.YAMLError as err:
            found.notes.append(f"could not read {config.name}: {' '.join(str(err).split())}")
            continue
        if isinstance(data, dict) and data.get("ProjectName"):
            hints.append((str(data["ProjectName"]), f"named by ProjectName in {config.name}"))
    hints.append(("myproject", "hls4ml's default project name"))
    for project in sorted(found.projects, key=path_order):
        match = re.search(r'\btop="([^"]+)"', read_text(project))
        if match and "wrapper" not in match.group(1).lower():
            hints.append((match.group(1), f"the top of {project.name}"))
    return hints


def choose_top(tops: list[str], hints: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The model top among the csynth reports' tops, and why; None if nothing decides it."""
    for name, why in hints:
        if name in tops:
            return name, why
    models = [t for t in tops if "wrapper" not in t.lower()]
    if len(models) == 1:
        return models[0], "the only csynth report whose top is not a wrapper"
    return None


def model_top(files: list[ReportFile], hints: list[tuple[str, str]]) -> tuple[str | None, str]:
    tops = sorted({f.top for f in files if f.top})
    if not tops:  # nothing names a top: the report's parser will say what is missing
        return None, "no report names its top"
    choice = choose_top(tops, hints)
    if choice is not None:
        return choice
    # No name decides: the top contains every other module, so it has the largest LUT estimate.
    candidates = [t for t in tops if "wrapper" not in t.lower()] or tops
    first = {t: next(f for f in files if f.top == t) for t in candidates}
    top = max(candidates, key=lambda t: parse_csynth(first[t]).hls_resources.lut or 0)
    return top, "the largest LUT estimate (no hls4ml_config.yml or project file names the top)"
