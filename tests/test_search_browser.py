"""The search results page (`vidscan search --html`) in headless Chromium: it loads clean, touches
nothing but itself, shows hostile text as text, and each thumbnail opens its moment in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="pip install selenium to run the browser tests")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.conftest import run_cli  # noqa: E402
from tests.fake_ollama import FakeOllama  # noqa: E402
from tests.library_fixtures import Frame, small_library, write_report  # noqa: E402
from tests.test_report_browser import (  # noqa: E402, F401  (driver is the module's browser fixture)
    CHROMEDRIVER,
    CHROMIUM,
    driver,
    open_page,
    requested_urls,
    severe_logs,
)
from vidscan.report.html import render_report_html  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)",
)
XSS = '<img src=x onerror="window.__xss=1"> red <script>window.__xss=2</script>'


@pytest.fixture
def results_page(fake_ollama: FakeOllama, tmp_path: Path) -> Path:
    """A library of reports with their report.html pages, and a results page in a folder of its own."""
    out = small_library(tmp_path / "out")
    write_report(out, "odd: name", [Frame(7.0, f"A red kite. {XSS}")])
    for report in out.glob("*/report.json"):
        data = json.loads(report.read_text())
        (report.parent / "report.html").write_text(render_report_html(data, report.parent), "utf-8")
    page = tmp_path / "pages" / "red.html"
    result = run_cli(
        "search", f"red {XSS}", "--out", str(out), "--host", fake_ollama.url, "--html", str(page)
    )
    assert result.code == 0, result.stderr
    assert f"results page: {page}" in result.stdout
    return page


def test_results_page_loads_clean_and_only_touches_itself(driver, results_page: Path) -> None:  # noqa: F811
    open_page(driver, results_page)
    assert severe_logs(driver) == []
    foreign = [url for url in requested_urls(driver) if not url.startswith(("data:", results_page.as_uri()))]
    assert foreign == []
    images = driver.find_elements(By.CSS_SELECTOR, ".hit .thumb img")
    assert len(images) == len(driver.find_elements(By.CSS_SELECTOR, ".hit")) >= 2
    assert all(driver.execute_script("return arguments[0].naturalWidth", img) == 64 for img in images)
    # hostile text from a caption and from the query is shown as text, never run
    assert driver.execute_script("return window.__xss") is None
    assert XSS in driver.find_element(By.ID, "query").text
    assert "<script>" in driver.find_element(By.CSS_SELECTOR, '.hit[data-video="odd: name.mp4"]').text
    assert driver.find_elements(By.CSS_SELECTOR, ".hit mark")  # the matching words are marked


def test_thumbnails_open_their_moment_in_the_report(driver, results_page: Path) -> None:  # noqa: F811
    open_page(driver, results_page)
    hits = driver.find_elements(By.CSS_SELECTOR, ".hit")
    out = results_page.parent.parent / "out"
    for hit in hits:
        video, keyframe = hit.get_attribute("data-video"), hit.get_attribute("data-keyframe")
        folder = Path(str(video)).stem
        href = hit.find_element(By.CSS_SELECTOR, "a.thumb").get_property("href")
        assert href == f"{(out / folder / 'report.html').as_uri()}#kf-{keyframe}"
    suitcase = driver.find_element(By.CSS_SELECTOR, '.hit[data-video="street.mp4"] a.thumb')
    suitcase.click()
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "const card = document.getElementById('kf-2');"
            "return location.pathname.endsWith('/street/report.html') && !!card"
            " && card.classList.contains('is-target')"
        )
    )
    assert severe_logs(driver) == []
