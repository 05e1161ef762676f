"""report.html in headless Chromium: search, fragments, evidence links, timeline, lightbox, XSS, screenshots.

Needs Debian's chromium + chromium-driver (scripts/test.sh installs them) and the selenium package; the
module is skipped without them. One browser serves the whole module.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("selenium", reason="pip install selenium to run the report's browser tests")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.conftest import SAMPLE_VIDEOS, Shot, make_video, run_cli  # noqa: E402
from tests.fake_ollama import FakeOllama  # noqa: E402
from tests.report_fixtures import (  # noqa: E402
    XSS_PAYLOADS,
    build_large_report,
    build_report,
    build_xss_report,
)
from vidscan.report.html import render_index_html, render_report_html  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WINDOW = (1280, 900)
# The budget for a 2-hour video with 400 keyframes.
MAX_REPORT_BYTES = 15 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)",
)


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch output dir: a realistic report, one full of XSS payloads, a 3-hour and a 10-second one."""
    root = tmp_path_factory.mktemp("site")
    builders = {"report": build_report, "xss": build_xss_report, "long": long_report, "short": short_report}
    for name, build in builders.items():
        report_dir = root / name
        report_dir.mkdir()
        (report_dir / "report.html").write_text(render_report_html(build(report_dir), report_dir), "utf-8")
    entries: list[dict[str, Any]] = [
        {
            "name": "warehouse-walkthrough.mp4",
            "report": "report/report.html",
            "status": "partial",
            "duration": 900.0,
            "keyframes": 12,
            "events": 4,
            "error": None,
            "thumbnails": ["report/frames/000000_0.000.jpg", "report/frames/000001_42.500.jpg"],
        },
        {
            "name": "broken.mp4",
            "report": None,
            "status": "failed",
            "duration": None,
            "keyframes": 0,
            "events": 0,
            "error": "not a video",
            "thumbnails": [],
        },
    ]
    (root / "index.html").write_text(render_index_html(entries, root), "utf-8")
    return root


def long_report(report_dir: Path) -> dict[str, Any]:
    """Three hours, 700 keyframes, 3000 cuts and a sample a second: the timeline must stay readable."""
    rng = random.Random(7)
    report = build_report(report_dir)
    duration = 3 * 3600.0
    base = report["keyframes"]
    times = sorted([0.0] + [round(rng.uniform(0, duration), 2) for _ in range(699)])
    report["keyframes"] = [
        dict(base[i % len(base)], index=i, time=t, segment=[t, t + 5.0], duplicate_of=None)
        for i, t in enumerate(times)
    ]
    report["video"]["duration"] = duration
    report["summary"]["chapters"] = [
        {"start": i * 1200.0, "end": (i + 1) * 1200.0, "title": f"Part {i + 1} of the meeting", "summary": ""}
        for i in range(9)
    ]
    report["summary"]["events"] = [
        {"time": rng.uniform(0, duration), "description": f"event {j}", "keyframes": [j * 11], "level": j % 3}
        for j in range(60)
    ]
    report["timeline"] = {
        "cuts": sorted(rng.uniform(0, duration) for _ in range(3000)),
        "activity": [[float(t), abs(math.sin(t / 300.0))] for t in range(0, int(duration))],
    }
    return report


def short_report(report_dir: Path) -> dict[str, Any]:
    report = build_report(report_dir)
    report["video"]["duration"] = 10.0
    report["keyframes"] = report["keyframes"][:6]
    for i, kf in enumerate(report["keyframes"]):
        kf["time"], kf["segment"] = i * 1.7, [i * 1.7, i * 1.7 + 1.7]
    report["summary"]["chapters"] = [{"start": 0.0, "end": 10.0, "title": "All of it", "summary": ""}]
    report["summary"]["events"] = [{"time": 3.4, "description": "A thing.", "keyframes": [2], "level": 2}]
    report["timeline"] = {"cuts": [1.7], "activity": [[t / 10.0, (t % 30) / 30.0] for t in range(101)]}
    return report


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")  # pytest removes it with the run's other files
    for argument in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path keeps Selenium Manager from downloading anything.
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


# --- helpers --------------------------------------------------------------------------------------------


def open_page(driver: webdriver.Chrome, page: Path, fragment: str = "") -> None:
    """A fresh load (not a same-document fragment change), with the logs of earlier pages dropped."""
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get_log("performance")
    driver.set_window_size(*WINDOW)
    driver.get(page.as_uri() + fragment)
    WebDriverWait(driver, 10).until(
        lambda d: (
            d.execute_script("return document.readyState === 'complete'")
            and (
                page.name != "report.html"
                or d.execute_script("return document.documentElement.matches('.js-ready')")
            )
        )
    )


# Every picture `s` holds has loaded: thumbnails load lazily, after the page's own load (on a loaded
# machine, a moment later).
THUMBNAILS_LOADED = "s.every(i => i.complete && i.naturalWidth > 0)"


def wait_for(driver: webdriver.Chrome, script: str, *args: Any, timeout: float = 5) -> Any:
    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script, *args))


def count_text(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.ID, "match-count").text)


def visible_cards(driver: webdriver.Chrome) -> list[int]:
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('.kf:not([hidden])')].map(c => +c.dataset.index)"
        )
    )


IN_VIEW_AND_TARGETED = """
const card = document.getElementById(arguments[0]);
const box = card.getBoundingClientRect();
return card.classList.contains('is-target') && box.top >= 0 && box.bottom <= window.innerHeight;
"""


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def severe_logs(driver: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def timeline_point(driver: webdriver.Chrome, seconds: float) -> list[int]:
    """Offset from the SVG's centre of the activity row at the given time (the page's own mapping)."""
    return list(
        driver.execute_script(
            """
            const svg = document.getElementById('timeline-svg');
            const box = svg.getBoundingClientRect();
            const width = svg.viewBox.baseVal.width, scale = box.width / width;
            const duration = JSON.parse(document.getElementById('report-data').textContent).duration;
            const x = (16 + arguments[0] / duration * (width - 32)) * scale;
            return [Math.round(x - box.width / 2), Math.round(84 * scale - box.height / 2)];
            """,
            seconds,
        )
    )


def thumb(driver: webdriver.Chrome, index: int) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f"#kf-{index} button.thumb")


# --- tests ----------------------------------------------------------------------------------------------


def test_page_loads_clean_and_only_touches_its_own_files(driver: webdriver.Chrome, site: Path) -> None:
    page = site / "report" / "report.html"
    open_page(driver, page)
    thumb(driver, 4).click()  # the lightbox is the one thing that loads a file: frames/...
    wait_for(driver, "const i = document.getElementById('lb-img'); return i.complete && i.naturalWidth > 0")
    assert driver.execute_script("return document.getElementById('lb-img').naturalWidth") == 640
    assert severe_logs(driver) == []
    allowed = (page.as_uri(), (page.parent / "frames").as_uri() + "/")
    foreign = [
        url for url in requested_urls(driver) if not url.startswith("data:") and not url.startswith(allowed)
    ]
    assert foreign == []
    assert driver.execute_script("return document.querySelectorAll('#timeline-svg .kf-tick').length") == 12


def test_search_narrows_keyframes_and_count(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html")
    assert count_text(driver) == "12 of 12 keyframes"
    search = driver.find_element(By.ID, "q")
    search.send_keys("invoice")
    wait_for(driver, "return document.getElementById('match-count').textContent.startsWith('2 ')")
    assert visible_cards(driver) == [4, 10]
    assert driver.execute_script("return location.hash") == "#q=invoice"
    assert driver.find_elements(By.CSS_SELECTOR, "#kf-4 mark")
    for query, expected in [("PO 7781", [6]), ("packed properly", [8]), ("zebra", [])]:
        search.clear()
        search.send_keys(query)
        wait_for(
            driver,
            "return document.querySelectorAll('.kf:not([hidden])').length === arguments[0]",
            len(expected),
        )
        assert visible_cards(driver) == expected, query
    assert driver.find_element(By.ID, "no-match").is_displayed()
    search.clear()
    search.send_keys(" ")
    wait_for(driver, "return document.querySelectorAll('.kf:not([hidden])').length === 12")
    assert not driver.find_elements(By.CSS_SELECTOR, ".kf mark")


def test_level_filter(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html", "#level=2")
    assert visible_cards(driver) == [7, 8]
    assert count_text(driver) == "2 of 12 keyframes"


def test_query_fragment_filters_on_load(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html", "#q=forklift")
    assert driver.find_element(By.ID, "q").get_attribute("value") == "forklift"
    assert visible_cards(driver) == [2, 3]
    assert count_text(driver) == "2 of 12 keyframes"


def test_time_fragment_scrolls_to_nearest_keyframe(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html", "#t=750")
    wait_for(driver, IN_VIEW_AND_TARGETED, "kf-10")


def test_event_link_scrolls_to_and_highlights_keyframe(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html")
    link = driver.find_element(By.CSS_SELECTOR, '.events a.kf-link[data-kf="7"]')
    # Scroll first and let the scroll event pass: scrolling hides the preview, by design.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    ActionChains(driver).move_to_element(link).perform()
    wait_for(driver, "return !document.getElementById('peek').hidden")  # the hover preview
    assert driver.execute_script(
        "return document.querySelector('#peek img').src.startsWith('data:image/jpeg')"
    )
    link.click()
    wait_for(driver, IN_VIEW_AND_TARGETED, "kf-7")
    assert driver.execute_script("return document.activeElement.id") == "kf-7"
    assert "t=480" in driver.execute_script("return location.hash")


def test_event_link_to_a_filtered_out_keyframe_clears_the_filter(
    driver: webdriver.Chrome, site: Path
) -> None:
    open_page(driver, site / "report" / "report.html", "#q=forklift")
    driver.find_element(By.CSS_SELECTOR, '.events a.kf-link[data-kf="10"]').click()
    wait_for(driver, IN_VIEW_AND_TARGETED, "kf-10")
    assert count_text(driver) == "12 of 12 keyframes"


def test_timeline_is_drawn_and_click_jumps_to_nearest_keyframe(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html")
    svg = driver.find_element(By.ID, "timeline-svg")
    counts = driver.execute_script(
        """const svg = document.getElementById('timeline-svg');
        return ['.band-0, .band-1', 'circle.ev', '.cut', '.curve', '.axis-label']
          .map(s => svg.querySelectorAll(s).length);"""
    )
    assert counts[:4] == [3, 4, 4, 1] and counts[4] >= 5
    ActionChains(driver).move_to_element_with_offset(svg, *timeline_point(driver, 745)).click().perform()
    wait_for(driver, IN_VIEW_AND_TARGETED, "kf-10")
    assert (
        driver.execute_script("return document.querySelector('#timeline-svg').getAttribute('aria-valuenow')")
        == "754"
    )
    svg.send_keys(Keys.ARROW_RIGHT)
    wait_for(driver, IN_VIEW_AND_TARGETED, "kf-11")


def test_lightbox_opens_steps_and_closes(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "report" / "report.html")
    image_src = "return document.getElementById('lb-img').getAttribute('src')"
    thumb(driver, 4).click()
    wait_for(driver, "return document.getElementById('lightbox').open")
    assert driver.execute_script(image_src) == "frames/000004_230.000.jpg"
    assert driver.execute_script(
        "return document.getElementById('lightbox').contains(document.activeElement)"
    )
    active = driver.switch_to.active_element
    active.send_keys(Keys.ARROW_RIGHT)
    assert driver.execute_script(image_src) == "frames/000005_310.000.jpg"
    active.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert driver.execute_script(image_src) == "frames/000003_160.000.jpg"
    assert driver.find_element(By.ID, "lb-pos").text == "4 of 12"
    active.send_keys(Keys.ESCAPE)
    wait_for(driver, "return !document.getElementById('lightbox').open")
    # Focus returns to the thumbnail of the frame the reader ended on: in the dialog's close event,
    # which the browser fires in a task of its own after `open` is false.
    focused = "const kf = document.activeElement.closest('.kf'); return kf && kf.id"
    wait_for(driver, f"{focused} === 'kf-3'")
    assert driver.execute_script(focused) == "kf-3"


def test_untrusted_text_stays_text(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "xss" / "report.html")
    driver.find_element(By.ID, "q").send_keys("onerror")
    thumb(driver, 1).click()
    wait_for(driver, "return document.getElementById('lightbox').open")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    driver.find_element(By.CSS_SELECTOR, '.events a.kf-link[data-kf="2"]').click()
    assert driver.execute_script("return window.__xss") is None
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - reading it is what raises when no alert is open
    injected = driver.execute_script(
        "return document.querySelectorAll("
        "'iframe, img[src=\"x\"], svg[onload], [onerror], script:not([id]) ~ script').length"
    )
    assert injected == 0
    assert driver.find_element(By.ID, "report-title").text.startswith("<script>alert(1)</script> title")
    assert (
        driver.execute_script("return document.querySelector('#kf-0 .desc').textContent") == XSS_PAYLOADS[0]
    )
    assert (
        driver.execute_script("return document.querySelector('#kf-1 .desc').textContent") == XSS_PAYLOADS[1]
    )
    assert 'onerror="window.__xss=6"' in driver.find_element(By.CSS_SELECTOR, ".events li").text
    assert severe_logs(driver) == []


def test_three_hour_timeline_stays_readable(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "long" / "report.html")
    labels = driver.execute_script(
        """return [...document.querySelectorAll('#timeline-svg .axis-label')].map(t => {
             const b = t.getBBox(); return [t.textContent, b.x, b.width]; });"""
    )
    assert 5 <= len(labels) <= 20
    assert all(text.count(":") == 2 for text, _, _ in labels)  # h:mm:ss
    for (_, x1, w1), (_, x2, _) in zip(labels, labels[1:], strict=False):
        assert x1 + w1 + 8 <= x2, labels
    width, ticks = driver.execute_script(
        "const s = document.getElementById('timeline-svg');"
        "return [s.viewBox.baseVal.width, s.querySelectorAll('.kf-tick').length];"
    )
    assert ticks <= width / 3 + 1  # 700 keyframes share columns instead of piling up
    assert severe_logs(driver) == []


def test_ten_second_timeline_labels_seconds(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "short" / "report.html")
    labels = driver.execute_script(
        "return [...document.querySelectorAll('#timeline-svg .axis-label')].map(t => t.textContent)"
    )
    assert labels[:3] == ["0:00", "0:01", "0:02"] and labels[-1] == "0:10"
    assert driver.find_element(By.CSS_SELECTOR, "#kf-1 time").text == "0:01.7"


def test_index_page_links_reports_and_loads_thumbnails(driver: webdriver.Chrome, site: Path) -> None:
    open_page(driver, site / "index.html")
    assert wait_for(driver, f"const s = [...document.images]; return s.length === 2 && {THUMBNAILS_LOADED}")
    assert severe_logs(driver) == []
    driver.find_element(By.LINK_TEXT, "warehouse-walkthrough.mp4").click()
    WebDriverWait(driver, 5).until(lambda d: d.current_url.endswith("report/report.html"))


def test_screenshots_light_and_dark(driver: webdriver.Chrome, site: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    open_page(driver, site / "report" / "report.html")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WINDOW[0], min(int(height) + 120, 8000))
    backgrounds = {}
    try:
        for scheme in ("light", "dark"):
            driver.execute_cdp_cmd(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            )
            backgrounds[scheme] = driver.execute_script(
                "return getComputedStyle(document.body).backgroundColor"
            )
            assert driver.save_screenshot(str(ARTIFACTS / f"report-{scheme}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        driver.set_window_size(*WINDOW)
    assert backgrounds["light"] == "rgb(245, 246, 248)"
    assert backgrounds["dark"] == "rgb(15, 18, 22)"


def test_batch_index_of_a_real_run(driver: webdriver.Chrome, fake_ollama: FakeOllama, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    make_video(clips / "alpha.mp4", [Shot("red", 1.0), Shot("blue", 1.0)], size="160x120")
    make_video(clips / "beta.mp4", [Shot("green", 1.2)], size="160x120")
    (clips / "notes.mp4").write_text("not a video", "utf-8")
    out = tmp_path / "out"
    result = run_cli("analyze", str(clips), "--out", str(out), "--host", fake_ollama.url)
    assert result.code == 1, result.stderr  # one input failed, the others are complete
    videos = json.loads((out / "index.json").read_text("utf-8"))["videos"]
    assert [v["status"] for v in videos] == ["complete", "complete", "failed"], result.stderr
    open_page(driver, out / "index.html")
    assert severe_logs(driver) == []
    rows = driver.execute_script(
        """return [...document.querySelectorAll('tbody tr')].map(r => [
             r.querySelector('th').textContent.trim(), r.querySelector('.status').textContent.trim(),
             r.querySelectorAll('.strip img').length]);"""
    )
    assert [row[:2] for row in rows] == [
        ["alpha.mp4", "complete"],
        ["beta.mp4", "complete"],
        ["notes.mp4", "failed"],
    ]
    assert rows[0][2] >= 2 and rows[1][2] >= 1 and rows[2][2] == 0
    assert wait_for(driver, f"const s = [...document.images]; return {THUMBNAILS_LOADED}")
    assert not driver.find_elements(By.LINK_TEXT, "notes.mp4")  # a failed video has no report to link
    driver.find_element(By.LINK_TEXT, "alpha.mp4").click()
    WebDriverWait(driver, 5).until(lambda d: d.current_url == (out / "alpha" / "report.html").as_uri())
    wait_for(driver, "return document.documentElement.matches('.js-ready')")
    report = json.loads((out / "alpha" / "report.json").read_text("utf-8"))
    assert len(driver.find_elements(By.CSS_SELECTOR, ".kf")) == len(report["keyframes"]) >= 2
    assert "alpha.mp4" in driver.find_element(By.CSS_SELECTOR, ".masthead .file").text
    assert severe_logs(driver) == []


@pytest.fixture(scope="module")
def real_frames(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real footage at 1280x720 (frames of the sample clips, once a second): thumbnails as large as real."""
    folder = tmp_path_factory.mktemp("real-frames")
    inputs = ["-i", str(SAMPLE_VIDEOS / "bikes.mp4"), "-t", "12", "-i", str(SAMPLE_VIDEOS / "bottles.mp4")]
    graph = "[0:v]fps=1,scale=1280:720[a];[1:v]fps=1,scale=1280:720[b]"
    outputs = ["-map", "[a]", "-q:v", "3", str(folder / "a%02d.jpg")]
    outputs += ["-map", "[b]", "-q:v", "3", str(folder / "b%02d.jpg")]
    subprocess.run(["ffmpeg", "-v", "error", *inputs, "-filter_complex", graph, *outputs], check=True)
    return sorted(folder.glob("*.jpg"))


def test_two_hour_report_with_400_keyframes_stays_small(
    driver: webdriver.Chrome, real_frames: list[Path], tmp_path: Path
) -> None:
    report = build_large_report(tmp_path, real_frames, keyframes=400, duration=2 * 3600.0)
    started = time.perf_counter()
    html = render_report_html(report, tmp_path)
    render_seconds = time.perf_counter() - started
    page = tmp_path / "report.html"
    page.write_text(html, "utf-8")
    size = page.stat().st_size
    assert size < MAX_REPORT_BYTES, f"{size / 1e6:.1f} MB"

    started = time.perf_counter()
    open_page(driver, page)  # returns once the page's script has run (.js-ready)
    open_seconds = time.perf_counter() - started
    load_event_ms = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime"
    )
    assert len(driver.find_elements(By.CSS_SELECTOR, ".kf")) == 400
    assert severe_logs(driver) == []
    # A figure to read, not to assert on: it depends on the machine and on what else runs on it.
    figure = (
        f"400 keyframes, 2 h: report.html {size / 1e6:.1f} MB, rendered in {render_seconds:.1f} s, "
        f"opened in headless Chromium in {open_seconds:.2f} s (load event at {load_event_ms / 1000:.2f} s)"
    )
    print(figure)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-400-keyframes.txt").write_text(figure + "\n", "utf-8")
