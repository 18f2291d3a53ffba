"""The demo's status page in a real browser (headless Chromium from Debian's `chromium` and
`chromium-driver`): before and after a scrape, at 1280 px and at a phone's 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from sms_balance_exporter.demo import (
    LOW_ACCOUNT,
    REVOKED_ACCOUNT,
    UNREACHABLE_ACCOUNT,
    demo_simulator,
)
from tests.conftest import require_binary
from tests.metrics_text import samples
from tests.process import exporter_process

WIDTHS = (1280, 390)
FAILING = {REVOKED_ACCOUNT: "auth", UNREACHABLE_ACCOUNT: "connection"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    chromium = require_binary("chromium")
    driver = require_binary("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    # As root in a container: no sandbox; and nothing that reaches for the network.
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield chrome
    finally:
        chrome.quit()


def _demo_secrets() -> list[str]:
    # The demo's credentials are derived from the account names, so the same here.
    with demo_simulator() as sim:
        return [v for a in sim.accounts.values() for v in a.credentials.values() if len(v) >= 4]


def _load(browser: webdriver.Chrome, url: str, width: int) -> None:
    browser.set_window_size(width, 900)
    browser.get(url)
    # The layout viewport is the window minus its frame: make it exactly `width` wide.
    inner = browser.execute_script("return window.innerWidth")
    browser.set_window_size(2 * width - inner, 900)
    browser.get(url)
    assert browser.execute_script("return window.innerWidth") == width


def _rows(browser: webdriver.Chrome) -> list[dict[str, str]]:
    rows = []
    for tr in browser.find_elements(By.CSS_SELECTOR, "tbody tr[data-account]"):
        cells = {
            td.get_attribute("class") or "": td.text for td in tr.find_elements(By.TAG_NAME, "td")
        }
        rows.append({"name": tr.get_attribute("data-account") or "", **cells})
    return rows


def _number(text: str) -> float:
    """A cell's value: `1,234.5 EUR` (or `Balance: 1,234.5 EUR` as the phone layout shows)."""
    match = re.search(r"-?[\d,]+(\.\d+)?", text.split(":")[-1])
    assert match, text
    return float(match.group(0).replace(",", ""))


def _check_layout(browser: webdriver.Chrome, width: int, shots: Path, stage: str) -> None:
    browser.save_screenshot(str(shots / f"status-{stage}-{width}px.png"))
    scroll, client = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{stage} at {width} px: the page is {scroll} px wide"


def test_status_page_in_a_browser(browser: webdriver.Chrome, tmp_path: Path) -> None:
    secrets = _demo_secrets()
    with exporter_process(["demo", "--web.listen-address", "127.0.0.1:0"]) as proc:
        url = f"http://127.0.0.1:{proc.port()}/"
        for width in WIDTHS:
            _load(browser, url, width)
            _check_layout(browser, width, tmp_path, "before-scrape")
            notice = browser.find_element(By.ID, "not-queried")
            assert "No account has been queried yet" in notice.text
            assert (
                notice.find_element(By.LINK_TEXT, "/metrics").get_attribute("href")
                == url + "metrics"
            )
            rows = _rows(browser)
            assert {row["status"].split(":")[-1].strip() for row in rows} == {"not queried yet"}
            names = {row["name"] for row in rows}
        metrics = samples(requests.get(url + "metrics", timeout=30).text)
        exported = {
            dict(labels)["account"] for (name, labels) in metrics if name == "sms_balance_up"
        }
        assert names == exported  # every account of the demo is on the page
        for width in WIDTHS:
            _load(browser, url, width)
            _check_layout(browser, width, tmp_path, "after-scrape")
            assert not browser.find_elements(By.ID, "not-queried")
            rows = _rows(browser)
            assert {row["name"] for row in rows} == names
            # Failing accounts first, with reason and message; then the low one.
            assert {row["name"] for row in rows[:2]} == set(FAILING)
            for row in rows[:2]:
                assert row["status"].endswith("down")
                assert re.search(rf"{FAILING[row['name']]}: \S+", row["error"]), row
            assert rows[2]["name"] == LOW_ACCOUNT and rows[2]["status"].endswith("low")
            assert "below threshold" in rows[2]["threshold"]
            for row in rows[3:]:
                assert row["status"].endswith("up") and "below threshold" not in row["threshold"]
            for row in rows:
                _assert_matches_metrics(row, metrics)
            dom = browser.page_source
            assert not [s for s in secrets if s in dom]


def _assert_matches_metrics(
    row: dict[str, str], metrics: dict[tuple[str, frozenset[tuple[str, str]]], float]
) -> None:
    values = {
        name: value
        for (name, labels), value in metrics.items()
        if dict(labels).get("account") == row["name"]
    }
    for metric, cell in (
        ("sms_balance_amount", "amount"),
        ("sms_balance_messages", "messages"),
        ("sms_balance_gift_amount", "gift"),
    ):
        if metric in values:
            assert _number(row[cell]) == values[metric], (row, metric, values[metric])
        else:
            assert row[cell].split(":")[-1].strip() == "", (row, metric)
