"""The report of a real tiny study opened in headless Chromium (Debian's, driven by Playwright): it
loads with no console error and no request leaving the file, its Pareto table lists exactly the designs
of pareto.csv, hovering a point shows that design and clicking it opens its detail."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from PIL import Image

from tests.conftest import chromium_page


def pareto_trials(out) -> list[int]:
    with (out / "pareto.csv").open() as handle:
        return [int(row["trial"]) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def page(study):
    """The page loaded in Chromium, with every console error and every outgoing request recorded."""
    with chromium_page((study.out / "index.html").as_uri(), local="file://") as (view, errors, outgoing):
        view.wait_for_selector("#plot-accuracy_vs_latency .main-svg")
        yield view, errors, outgoing


def test_page_loads_offline_without_errors(study, page):
    view, errors, outgoing = page
    shot = study.out / "screenshot.png"
    view.screenshot(path=shot, full_page=True)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert errors == [] and outgoing == []
    assert pixels.shape[0] > 2000 and pixels.std() > 20  # a long page with plots, not a blank one
    assert view.locator("div[id^='plot-'] .main-svg").count() >= 5 * 2  # 5 plots, each with its svg layers


def test_pareto_table_lists_exactly_the_designs_of_pareto_csv(study, page):
    view, _, _ = page
    rows = view.locator("#pareto-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.trial)")
    assert sorted(int(r) for r in rows) == sorted(pareto_trials(study.out)) and rows


def test_hover_shows_the_design_and_a_click_opens_its_detail(study, page):
    view, errors, _ = page
    points = view.locator("#plot-accuracy_vs_latency .scatterlayer .point")
    assert points.count() >= 3
    points.last.scroll_into_view_if_needed()
    box = points.last.bounding_box()  # the last trace is the front (drawn on top)
    view.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = view.locator(".hoverlayer .hovertext").first
    hover.wait_for(timeout=5000)
    number = int(re.search(r"trial (\d+)", hover.text_content()).group(1))
    text = hover.text_content()
    assert "accuracy emulation: " in text and "latency ns: " in text
    assert "model.weight_bits" in text or ("vendor" in text and number in study.vendor.values())
    view.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    view.wait_for_function(f"location.hash === '#trial-{number}'", timeout=5000)
    assert number in pareto_trials(study.out)
    assert view.locator(f"details#trial-{number}").get_attribute("open") is not None
    assert errors == []
