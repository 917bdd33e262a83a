"""The explorers in a real browser: JupyterLab (started as `make lab` starts it) driven in Debian's chromium.

The test starts ``tools/lab.sh`` on 127.0.0.1 with a token and a free port (the pattern of
``tests/test_lab.py``), makes sure ``/usr/bin/chromium`` exists (``tools/ensure_chromium.sh`` installs it with
apt-get when we are root, else the test is skipped), and drives it with the Python Playwright package (no
browser download): it opens ``notebooks/07_explorers.ipynb``, runs all cells, checks that the six explorers'
widgets and their bokeh plots rendered, changes controls (species, map species, clock/sun time) and checks that
the status line and the plots changed, saves screenshots under ``tests/screenshots/`` and stops the server.

JupyterLab's user settings and workspaces go to a temporary folder, with autosave off (the notebook in the
repository must stay without outputs) and the news notification off (it would cover the screenshots).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from labserver import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
ENSURE = ROOT / "tools" / "ensure_chromium.sh"
NOTEBOOK = ROOT / "notebooks" / "07_explorers.ipynb"
CHECKPOINT = NOTEBOOK.parent / ".ipynb_checkpoints" / f"{NOTEBOOK.stem}-checkpoint.ipynb"  # Lab makes it on open
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: console errors expected offline (CDN CSS, the news feed) or harmless
EXPECTED_ERRORS = (
    "ERR_NAME_NOT_RESOLVED",
    "ERR_INTERNET_DISCONNECTED",
    "ERR_CONNECTION",
    "cdn.",
    "Failed to load resource",
    "favicon",
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


# --- the server, as tests/test_lab.py starts it ------------------------------------------------------------


def _settings(folder: Path) -> dict[str, str]:
    """User settings and workspaces of this run only: no autosave, no news toast, no cell windowing."""
    settings = folder / "settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},  # every cell in the DOM
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (folder / "workspaces").mkdir(exist_ok=True)
    return {"JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces")}


def _ensure_chromium() -> None:
    done = subprocess.run(["bash", str(ENSURE)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not os.access(CHROMIUM, os.X_OK):
        reason = (done.stderr.strip().splitlines() or ["tools/ensure_chromium.sh failed"])[-1]
        pytest.skip(f"no chromium at {CHROMIUM}: {reason}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("playwright.sync_api", reason="the Python Playwright package is not installed")
    _ensure_chromium()
    port, token = free_port(), os.urandom(24).hex()
    before = NOTEBOOK.read_bytes()
    had_checkpoint = CHECKPOINT.exists()
    process = start(token, port, _settings(tmp_path_factory.mktemp("lab")))
    try:
        wait_ready(port, token, process)
        yield {"port": port, "token": token}
    finally:
        log = stop(process)
        assert process.poll() is not None, "the server is still running"
        if not had_checkpoint:
            CHECKPOINT.unlink(missing_ok=True)
            if CHECKPOINT.parent.is_dir() and not any(CHECKPOINT.parent.iterdir()):
                CHECKPOINT.parent.rmdir()
        if NOTEBOOK.read_bytes() != before:  # never leave outputs in the repository's notebook
            NOTEBOOK.write_bytes(before)
            raise AssertionError(f"JupyterLab wrote to {NOTEBOOK.name}; restored it. Server log:\n{log[-3000:]}")


# --- the browser -------------------------------------------------------------------------------------------


def _select_by_text(page, explorer: str, prefixes: list[str], multiple: bool) -> None:
    """Choose the options whose text starts with one of ``prefixes`` in the explorer's (multi-)select."""
    kind = ".widget-select-multiple select" if multiple else ".widget-dropdown select"
    page.locator(f".{explorer} {kind}").first.evaluate(
        """(el, prefixes) => {
            const text = o => o.text.replace(/\u00a0/g, " ");  // ipywidgets writes non-breaking spaces
            for (const o of el.options) o.selected = prefixes.some(p => text(o).startsWith(p));
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        prefixes,
    )


def _wait_changed(locator, before: bytes, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = locator.screenshot()
        if now != before:
            return now
        time.sleep(0.5)
    raise AssertionError("the plot did not change")


def test_explorers_render_and_react_in_jupyterlab(lab: dict) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"http://127.0.0.1:{lab['port']}/lab/tree/{NOTEBOOK.name}?reset&token={lab['token']}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_selector(".jp-StatusBar-Item:has-text('| Idle')", timeout=120_000)  # the kernel is up

            # Run > Run All Cells
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            page.wait_for_selector(".jp-OutputArea-output:has-text('explorers ready')", timeout=400_000)

            # the six explorers with their controls and bokeh plots
            explorers = page.locator(".nbtools-explorer")
            explorers.first.wait_for(timeout=30_000)
            assert explorers.count() == 6
            for name in (
                "studyexplorer",
                "activityexplorer",
                "individualexplorer",
                "qualityexplorer",
                "occupancyexplorer",
                "densityexplorer",
            ):
                assert page.locator(f".nbtools-{name}").count() == 1, name
            assert page.locator(".nbtools-explorer .widget-select-multiple").count() == 7
            assert page.locator(".nbtools-explorer .widget-hslider").count() >= 3
            assert page.locator(".nbtools-explorer .widget-toggle-buttons").count() == 2
            page.wait_for_selector(".nbtools-plot-map .bk-Canvas canvas", state="attached", timeout=60_000)
            assert (
                page.locator(".nbtools-explorer .bk-Canvas").count() >= 6
            )  # map, operation, activity, 2 individual, findings
            errors_text = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert "Traceback" not in " ".join(errors_text.all_inner_texts())

            # study explorer: add the Amur tiger, then map it
            study_status = page.locator(".nbtools-studyexplorer .nbtools-status")
            assert "1 species" in study_status.text_content()
            the_map = page.locator(".nbtools-studyexplorer .nbtools-plot-map")
            the_map.scroll_into_view_if_needed()
            before = the_map.screenshot()
            _select_by_text(page, "nbtools-studyexplorer", ["Amur leopard", "Amur tiger"], multiple=True)
            page.wait_for_function(
                "() => document.querySelector('.nbtools-studyexplorer .nbtools-status').textContent.includes('2 species')",
                timeout=60_000,
            )
            tables = page.locator(".nbtools-studyexplorer .nbtools-table-box")
            assert "Amur tiger" in tables.text_content().replace("\xa0", " ")
            _select_by_text(page, "nbtools-studyexplorer", ["Amur tiger"], multiple=False)
            _wait_changed(the_map, before)
            the_map.screenshot(path=str(SHOTS / "07_study_map_tiger.png"))
            page.locator(".nbtools-studyexplorer").screenshot(path=str(SHOTS / "07_study_explorer.png"))

            # activity explorer: clock time instead of sun time
            curves = page.locator(".nbtools-activityexplorer .nbtools-plot-activity")
            curves.scroll_into_view_if_needed()
            before = curves.screenshot()
            page.locator(".nbtools-activityexplorer .widget-toggle-button", has_text="clock time").click()
            page.wait_for_function(
                "() => document.querySelector('.nbtools-activityexplorer .nbtools-status').textContent.includes('clock time')",
                timeout=60_000,
            )
            _wait_changed(curves, before)
            page.locator(".nbtools-activityexplorer").screenshot(path=str(SHOTS / "07_activity_explorer.png"))
            # density explorer: a new SECR fit (HN), made in the explorer's worker thread in a kernel, reaches the page
            surface = page.locator(".nbtools-densityexplorer .nbtools-plot-density")
            surface.scroll_into_view_if_needed()
            before = surface.screenshot()
            page.locator(".nbtools-densityexplorer .widget-toggle-button", has_text=re.compile(r"^HN$")).click()
            page.wait_for_function(
                "() => document.querySelector('.nbtools-densityexplorer .nbtools-status').textContent.includes(', HN, σ by sex (')",
                timeout=120_000,
            )
            _wait_changed(surface, before)
            page.locator(".nbtools-densityexplorer").screenshot(path=str(SHOTS / "07_density_explorer.png"))
            for name in ("individualexplorer", "qualityexplorer", "occupancyexplorer"):
                page.locator(f".nbtools-{name}").screenshot(
                    path=str(SHOTS / f"07_{name.replace('explorer', '')}_explorer.png")
                )
            page.screenshot(path=str(SHOTS / "07_explorers_lab.png"))
        finally:
            browser.close()
    unexpected = [e for e in errors if not any(x in e for x in EXPECTED_ERRORS)]
    assert not [e for e in unexpected if e.startswith("pageerror")], unexpected
