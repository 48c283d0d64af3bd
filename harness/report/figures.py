"""The report's Pareto plots: matplotlib for the files (PNG, SVG) and the printed page, plotly for the
interactive page (hover shows a design's parameters and metrics, a click opens its detail).

Both draw the same thing from the same `Series`: one point per design at its highest fidelity;
NN, BDT and vendor-measured points with distinct markers; verified points filled, unverified ones
hollow, mismatched ones as red crosses; the report's front large, opaque and connected, everything
else faded; the latency budget as a line with the region beyond it shaded. A plot with nothing to
draw is not made: the page says why instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from harness.report.points import ACCURACY, TABLE_METRICS, Point, StudyPoints


@dataclass(frozen=True)
class PlotSpec:
    name: str
    x: str
    y: str
    title: str
    log_x: bool = False


PLOTS = (
    PlotSpec("accuracy_vs_lut_equivalent", "lut_equivalent", ACCURACY, "Accuracy vs LUT-equivalent", True),
    PlotSpec("accuracy_vs_lut", "resources.lut", ACCURACY, "Accuracy vs LUT", True),
    PlotSpec("accuracy_vs_dsp", "resources.dsp", ACCURACY, "Accuracy vs DSP"),
    PlotSpec("accuracy_vs_latency", "latency.ns", ACCURACY, "Accuracy vs latency (ns)"),
    PlotSpec("resources_vs_latency", "latency.ns", "lut_equivalent", "LUT-equivalent vs latency (ns)"),
)

MARKERS = {"nn": ("o", "circle"), "bdt": ("s", "square"), "vendor": ("D", "diamond")}
ORIGIN_NAMES = {"nn": "NN", "bdt": "BDT", "vendor": "vendor-measured"}
COLORS = {"verified": "#1f5fa8", "vendor": "#d9730d", "unverified": "#7a7a7a", "mismatch": "#c0392b"}


@dataclass(frozen=True)
class Series:
    """Points of one look (origin, status, on the front or not) in one plot."""

    origin: str
    status: str
    place: str  # Pareto front | dominated | outside the constraints | "" (not a candidate)
    points: tuple[Point, ...]
    xs: tuple[float, ...]
    ys: tuple[float, ...]

    @property
    def front(self) -> bool:
        return self.place == "Pareto front"

    @property
    def name(self) -> str:
        status = {"vendor": "", "verified": "verified"}.get(self.status, self.status)
        return " ".join(s for s in (ORIGIN_NAMES.get(self.origin, self.origin), status, self.place) if s)


@dataclass(frozen=True)
class Figure:
    """One plot: its files, its inline SVG for print, its plotly HTML, and what it leaves out."""

    spec: PlotSpec
    png: Path
    svg: Path
    svg_inline: str
    plotly_html: str
    missing: list[str]


def plot_series(study: StudyPoints, spec: PlotSpec) -> tuple[list[Series], list[str]]:
    """The plot's series, and the designs it cannot draw (a value unknown) with the reason."""
    groups: dict[tuple[str, str, str], list[tuple[Point, float, float]]] = {}
    missing = []
    for p in study.designs:
        x, y = p.value(spec.x).value, p.value(spec.y).value
        if x is None or y is None or (spec.log_x and x <= 0):
            unknown = spec.x if x is None else spec.y if y is None else f"{spec.x} (0 on a log axis)"
            missing.append(f"{p.label}: {TABLE_METRICS.get(unknown, unknown)} unknown at {p.trial.fidelity}")
            continue
        groups.setdefault((p.origin, p.status, place(p)), []).append((p, x, y))
    series = [
        Series(origin, status, where, *map(tuple, zip(*members, strict=True)))
        for (origin, status, where), members in sorted(
            groups.items(), key=lambda kv: (kv[0][2] == "Pareto front", kv[0][1])
        )
    ]
    return series, missing


def place(point: Point) -> str:
    """Where a point stands in the report's Pareto computation, for the legend."""
    if point.on_front:
        return "Pareto front"
    if point.status not in ("verified", "vendor"):
        return ""
    return "dominated" if point.eligible else "outside the constraints"


def front_line(series: list[Series]) -> tuple[list[float], list[float]]:
    """The front's points in this plot, sorted along x, to be connected."""
    pairs = sorted((x, y) for s in series if s.front for x, y in zip(s.xs, s.ys, strict=True))
    return [x for x, _ in pairs], [y for _, y in pairs]


def axis_title(metric: str) -> str:
    return {ACCURACY: "accuracy (bit-accurate emulation)", "lut_equivalent": "LUT-equivalent"}.get(
        metric, TABLE_METRICS.get(metric, metric)
    )


def render(study: StudyPoints, spec: PlotSpec, folder: Path) -> Figure | None:
    """Both renderings of one plot, or None when no design can be drawn on it."""
    series, missing = plot_series(study, spec)
    if not series:
        return None
    budget_ns = None if study.info.budget_us is None else 1000 * study.info.budget_us
    budget_ns = budget_ns if spec.x == "latency.ns" else None
    png, svg, svg_inline = _matplotlib(series, spec, budget_ns, folder)
    return Figure(spec, png, svg, svg_inline, _plotly(series, spec, budget_ns), missing)


def _matplotlib(
    series: list[Series], spec: PlotSpec, budget_ns: float | None, folder: Path
) -> tuple[Path, Path, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        for s in series:
            _mpl_series(ax, s)
        xs, ys = front_line(series)
        if len(xs) > 1:
            ax.plot(xs, ys, "--", color=COLORS["verified"], lw=1, zorder=2, label="front (connected)")
        if budget_ns is not None:
            _mpl_budget(ax, budget_ns)
        ax.set(title=spec.title, xlabel=axis_title(spec.x), ylabel=axis_title(spec.y))
        if spec.log_x:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        folder.mkdir(parents=True, exist_ok=True)
        png, svg = folder / f"{spec.name}.png", folder / f"{spec.name}.svg"
        fig.savefig(png, dpi=120)
        fig.savefig(svg)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
        plt.close(fig)
    inline = buffer.getvalue()
    return png, svg, inline[inline.index("<svg") :]


def _mpl_series(ax, s: Series) -> None:
    marker = "X" if s.status == "mismatch" else MARKERS.get(s.origin, ("^", ""))[0]
    color = COLORS.get(s.status, COLORS["unverified"])
    hollow = s.status == "unverified"
    ax.scatter(
        s.xs,
        s.ys,
        marker=marker,
        s=70 if s.front else 30,
        facecolors="none" if hollow else color,
        edgecolors="black" if s.front else color,
        alpha=1.0 if s.front else 0.35 if not hollow else 0.6,
        zorder=3 if s.front else 1,
        label=s.name,
    )


def budget_label(budget_ns: float) -> str:
    return f"budget {budget_ns / 1000:g} µs ({budget_ns:g} ns)"


def _mpl_budget(ax, budget_ns: float) -> None:
    ax.axvline(budget_ns, color="#c0392b", lw=1.2, label=budget_label(budget_ns))
    low, high = ax.get_xlim()
    ax.axvspan(budget_ns, max(high, budget_ns * 1.1), color="#c0392b", alpha=0.08, label="beyond the budget")
    ax.set_xlim(low, max(high, budget_ns * 1.1))


def hover(point: Point) -> str:
    """A point's hover text: its parameters, then its metrics with their sources."""
    lines = [f"<b>{point.label}</b>", f"{point.status}, fidelity {point.trial.fidelity}"]
    lines += [f"{k} = {v}" for k, v in point.parameters.items()]
    for metric, title in TABLE_METRICS.items():
        value = point.value(metric)
        if value.value is not None:
            lines.append(f"{title}: {value.text()} <i>({value.source or 'source unknown'})</i>")
    return "<br>".join(lines)


def _plotly(series: list[Series], spec: PlotSpec, budget_ns: float | None) -> str:
    fig = plotly_figure(series, spec, budget_ns)
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"plot-{spec.name}")


def beyond_budget(budget_ns: float, xs: list[float]) -> tuple[float, float]:
    """The x range shaded as beyond the budget: from the budget to past the largest of it and every
    point, so the shading lies to the right of the budget line even when every design fits it."""
    return budget_ns, max([budget_ns, *xs]) * 1.1 + 1


def plotly_figure(series: list[Series], spec: PlotSpec, budget_ns: float | None):
    """The interactive figure of one plot (a plotly Figure)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for s in series:
        fig.add_trace(_plotly_series(go, s))
    xs, ys = front_line(series)
    if len(xs) > 1:
        line = {"dash": "dash", "color": COLORS["verified"], "width": 1}
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=line, name="front", hoverinfo="skip"))
    if budget_ns is not None:
        fig.add_vline(x=budget_ns, line_color="#c0392b", annotation_text=budget_label(budget_ns))
        x0, x1 = beyond_budget(budget_ns, [x for s in series for x in s.xs])
        fig.add_vrect(x0=x0, x1=x1, fillcolor="#c0392b", opacity=0.08)
    fig.update_layout(
        title=spec.title,
        xaxis_title=axis_title(spec.x),
        yaxis_title=axis_title(spec.y),
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"font": {"size": 10}},
    )
    if spec.log_x:
        fig.update_xaxes(type="log")
    return fig


def _plotly_series(go, s: Series):
    symbol = "x" if s.status == "mismatch" else MARKERS.get(s.origin, ("", "triangle-up"))[1]
    if s.status == "unverified":
        symbol += "-open"
    return go.Scatter(
        x=s.xs,
        y=s.ys,
        mode="markers",
        name=s.name,
        marker={
            "symbol": symbol,
            "size": 13 if s.front else 8,
            "color": COLORS.get(s.status, COLORS["unverified"]),
            "opacity": 1.0 if s.front else 0.75 if s.status == "unverified" else 0.45,
            "line": {"width": 1.5 if s.front else 0.5, "color": "black" if s.front else "white"},
        },
        customdata=[p.number for p in s.points],
        hovertext=[hover(p) for p in s.points],
        hoverinfo="text",
    )


def render_all(study: StudyPoints, folder: Path) -> tuple[list[Figure], list[str]]:
    """Every plot that has something to draw, and a sentence for each that has not."""
    figures, skipped = [], []
    for spec in PLOTS:
        figure = render(study, spec, folder)
        if figure is None:
            skipped.append(f"{spec.title}: no design has both values known, so there is nothing to plot")
        else:
            figures.append(figure)
    return figures, skipped
