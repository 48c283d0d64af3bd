"""The documentation site built as `nox -s docs` builds it (MkDocs, strict mode), then read: every
design-spec and sweep-spec key is in the generated reference, every public name of `harness` has an
API entry, every command is in the CLI page; and opened in Chromium (Playwright), from the file system
and from a local web server: the navigation leads to a page, the search finds one, nothing is fetched
from the network."""

from __future__ import annotations

import dataclasses
import functools
import html
import http.server
import os
import re
import subprocess
import sys
import threading
import typing
from pathlib import Path

import playwright.sync_api
import pytest

import harness
from harness.cli import build_parser
from harness.spec import DesignSpec
from harness.sweep.loader import PROMOTION_KEYS, SWEEP_KEYS
from harness.sweep.spec import Promotion
from tests.conftest import ROOT, chromium_page

MKDOCS = Path(sys.executable).with_name("mkdocs")
#: As noxfile.DOCS_ENV: without it, MkDocs 1.6's plugins print a banner about MkDocs 2 on every build.
QUIET = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built from this checkout in strict mode, which must print no warning."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, **QUIET, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    warnings = [line for line in log.splitlines() if "WARNING" in line or "Traceback" in line]
    assert warnings == [], "\n".join(warnings)
    return out


def page_text(site: Path, page: str) -> str:
    """The text of a built page (tags removed, entities decoded)."""
    raw = (site / f"{page}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def spec_keys(cls: type = DesignSpec, prefix: str = "") -> list[str]:
    """Every key a design YAML may hold, as a dotted path, walked from the dataclasses here (not with
    the generator's own code, so a generator that drops keys fails this test)."""
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "base_dir":
            continue
        keys.append(prefix + f.name)
        for sub in typing.get_args(hints[f.name]) or (hints[f.name],):
            if isinstance(sub, type) and dataclasses.is_dataclass(sub):
                keys += spec_keys(sub, f"{prefix}{f.name}.")
    return keys


def table_rows(site: Path, page: str) -> dict[str, list[str]]:
    """The rows of a built page's tables: first cell's text -> the other cells' texts."""
    raw = (site / f"{page}.html").read_text()
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", raw, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def test_every_design_spec_key_has_a_documented_row(site):
    rows = table_rows(site, "reference/design-spec")
    keys = spec_keys()
    assert {"model.hidden", "model.n_trees", "firmware.reuse_factor", "verify.max_rtl_lut"} <= set(keys)
    missing = [k for k in keys if k not in rows]
    assert missing == [], f"design-spec keys not in the reference: {missing}"
    undocumented = [k for k in keys if not rows[k][-1]]
    assert undocumented == [], f"design-spec keys without documentation: {undocumented}"


def test_every_sweep_spec_key_is_in_the_reference(site):
    text = page_text(site, "reference/sweep-spec")
    # The loader's promotion table and the dataclass it fills name the same keys.
    assert set(PROMOTION_KEYS) == {f.name for f in dataclasses.fields(Promotion)}
    missing = [k for k in SWEEP_KEYS if k not in text]
    missing += [f"promotion.{k}" for k in PROMOTION_KEYS if f"promotion.{k}" not in text]
    assert missing == [], f"sweep-spec keys not in the reference: {missing}"
    assert "per_layer" in text and "categorical" in text  # the parameter types


def test_every_public_name_has_an_api_entry(site):
    raw = (site / "reference/api.html").read_text()
    # The functions are documented where they are defined (harness.api): `harness.sweep` and
    # `harness.report` also name sub-packages, which is what a static reader would show under those names.
    missing = [
        n for n in harness.__all__ if f'id="harness.{n}"' not in raw and f'id="harness.api.{n}"' not in raw
    ]
    assert missing == [], f"public names of harness without an entry in reference/api.md: {missing}"


def test_every_command_and_option_is_in_the_cli_reference(site):
    text = page_text(site, "reference/cli")
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in subparsers.choices.items():  # type: ignore[attr-defined]
        assert f"harness {name}" in text
        for action in parser._actions:
            for option in action.option_strings:
                assert option in text, f"harness {name} {option} not in the CLI reference"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="module")
def browser_page(site):
    """The site served over HTTP on a free port, as `nox -s docs -- serve` serves it (Material's search
    runs in a web worker, which a page opened from the file system may not start), opened in Chromium.
    Errors and every request leaving the machine (fonts, scripts from a CDN) are recorded, and the
    latter refused: the site must work offline."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = f"http://127.0.0.1:{server.server_port}/"
    with chromium_page(home, local=home) as opened:
        yield opened
    server.shutdown()


def test_the_site_opens_from_the_file_system(site):
    """site/index.html opened directly, as the README says: its links are files (use_directory_urls
    false), so following the navigation works without a server."""
    with chromium_page((site / "index.html").as_uri(), local="file://") as (view, _, _):
        view.locator("nav.md-nav--primary a.md-nav__link", has_text="First design").first.click()
        view.wait_for_load_state("load")
        assert view.url.endswith("/tutorials/first-design.html")
        assert view.locator("h1").count() == 1


def test_navigation_leads_to_the_reference(browser_page):
    view, errors, outgoing = browser_page
    view.locator("nav.md-nav--primary a.md-nav__link", has_text="Design spec").first.click()
    view.wait_for_url("**/reference/design-spec.html")
    assert view.locator("h1").inner_text().rstrip("¶") == "Design spec"  # ¶: the heading's permalink
    assert view.locator("table td code", has_text="firmware.reuse_factor").count() == 1
    assert errors == [] and outgoing == []


def test_search_finds_a_page(browser_page):
    view, errors, outgoing = browser_page
    box, first = view.locator("input.md-search__input"), view.locator(".md-search-result__item a").first
    box.click()
    # The query is typed again until the search worker, which loads the index after the page, answers:
    # a query typed before it is ready is not searched until the next keystroke.
    for _ in range(10):
        box.fill("")
        box.press_sequentially("reuse factor")
        try:
            first.wait_for(timeout=3_000)
            break
        except playwright.sync_api.TimeoutError:
            continue
    assert outgoing == [], outgoing
    assert view.locator(".md-search-result__item").count() >= 2
    target = first.get_attribute("href")
    first.click()
    view.wait_for_load_state("load")
    assert target and view.url.split("#")[0].endswith(target.split("#")[0].lstrip("./"))
    assert errors == [] and outgoing == []


def test_readme_links_resolve():
    """The README's relative links (images, docs pages) name files of the checkout: a page that only
    exists in the built site (reference pages are generated) would be a dead link on the forge."""
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link]
    assert local, "the README links into docs/"
    assert [link for link in local if not (ROOT / link).exists()] == []
