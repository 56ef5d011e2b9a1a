"""The telemetry dashboard in Chromium: the charts draw their data and a table downloads as CSV."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from telemetry.services import telemetry_recompute
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import log_in
from tests.telemetry.conftest import AS_OF, build_worked_example


@pytest.fixture
def dashboard_data(transactional_db, rep, teammate, other_rep, manager):
    example = build_worked_example(rep, teammate, other_rep)
    telemetry_recompute(as_of=AS_OF)
    return example


def test_a_manager_sees_the_charts_drawn_and_downloads_a_table(page, dashboard_data, manager):
    log_in(page, manager.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Telemetry").click()
    page.get_by_role("combobox", name="Period").select_option("all")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Win rate by rep")).to_be_visible()

    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(5)
    # Chart.js drew each canvas from its data: the funnel has the seven stages' "reached" counts.
    funnel = page.locator("#funnel canvas")
    points = funnel.evaluate("canvas => window.Chart.getChart(canvas).data.datasets[0].data")
    assert points == [5, 5, 2, 2, 2, 3, 2]
    drawn = canvases.evaluate_all("all => all.map(c => Boolean(window.Chart.getChart(c)) && c.width > 0)")
    assert drawn == [True] * 5
    rep_chart = page.locator("#win-rate-rep canvas")
    labels = rep_chart.evaluate("canvas => window.Chart.getChart(canvas).data.labels")
    assert sorted(labels) == ["Alice Archer", "Bob Baker"]

    with page.expect_download() as download:
        page.locator("#win-rate-rep").get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "telemetry-win-rate-rep-2026-06-30-all.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert {row["label"]: row["value"] for row in rows} == {"Alice Archer": "0.5000", "Bob Baker": "0.5000"}
