"""The report pages in a real browser: headless Chromium (Debian's ``chromium`` package, installed by
tools/install-system-deps) driven by Playwright. The page loads from a file with no network, the matrix
shows the run's counts, a failure's transcript link opens the transcript, the per-form rows unfold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.browser import chromium_context
from reports.__main__ import main
from tests.reports.synthetic import big_run, form_test, guide_forms, mismatch, write_run


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    with chromium_context(tmp_path / "chromium-profile") as context:
        page = context.new_page()
        page.set_default_timeout(30_000)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.requests = requests  # every URL the page asked for, to check nothing left the file system
        yield page


def test_index_page_in_chromium(browser_page: Any, tmp_path: Path) -> None:
    wifi = [ref for ref, _ in guide_forms("wifi")]
    tests = [
        form_test(wifi[0], "wifi", "passed", 1),
        form_test(wifi[1], "wifi", "passed", 2),
        form_test(wifi[2], "wifi", "passed", 3),
        form_test(wifi[3], "wifi", "failed", 4, reason=mismatch("+CWMODE:<mode>", "+CWMODE:9")),
        form_test(wifi[4], "wifi", "skipped", 5, reason="rig lacks capability wps-ap"),
    ]
    folder = write_run(tmp_path / "out", tests)
    assert main(["build", str(folder)]) == 0
    page = browser_page
    page.goto((folder / "index.html").as_uri())
    assert "1 failing test" in page.locator("h1").inner_text()
    row = page.locator('#matrix-table tr[data-set="wifi"]')
    # 3.2 documents 51 forms of Wi-Fi AT commands (reports/SCHEMA.md): 3 checked, 1 failed, 1 skipped
    cells = {
        key: row.locator(f'td[data-count="{key}"]').inner_text()
        for key in ("forms", "checked-pass", "checked-fail", "skipped", "not covered")
    }
    assert cells == {
        "forms": "51",
        "checked-pass": "3",
        "checked-fail": "1",
        "skipped": "1",
        "not covered": "46",
    }
    assert page.locator('#totals b[data-count="total"]').inner_text() == "5"
    # The per-form rows are folded; unfolding shows the failing form and its test.
    form_row = page.locator("#set-wifi tr", has_text=wifi[3].key).first
    assert not form_row.is_visible()
    page.locator("#set-wifi > summary").click()
    assert form_row.is_visible()
    # The failure shows expected and actual; its transcript link opens the transcript file.
    failure = page.locator("div.failure")
    assert failure.locator("td.exp").inner_text() == "+CWMODE:<mode>"
    assert failure.locator("td.act").inner_text() == "+CWMODE:9"
    failure.locator("a.transcript").click()
    page.wait_for_load_state()
    assert page.url.startswith((folder / "transcripts").as_uri())
    assert tests[3].id in page.locator("body").inner_text()
    assert all(url.startswith("file://") for url in page.requests), page.requests


def test_compare_page_in_chromium(browser_page: Any, tmp_path: Path) -> None:
    basic = [ref for ref, _ in guide_forms("basic")]
    a = write_run(tmp_path / "a", [form_test(basic[0], "basic", "passed", 1)])
    b = write_run(tmp_path / "b", [form_test(basic[0], "basic", "failed", 1, reason=mismatch("OK", "ERROR"))])
    out = tmp_path / "compare.html"
    assert main(["compare", str(a), str(b), "--html", str(out)]) == 1
    page = browser_page
    page.goto(out.as_uri())
    assert page.locator("h1").inner_text() == "ESP-AT run comparison: 1 regression"
    assert page.locator("#started-failing").inner_text() == "started failing (1)"
    page.locator('tr[data-test] a[href*="transcripts"]').click()
    page.wait_for_load_state()
    assert page.url.startswith((b / "transcripts").as_uri())


def test_two_thousand_test_page_loads_with_its_counts(browser_page: Any, tmp_path: Path) -> None:
    tests = big_run(2000)
    folder = write_run(tmp_path / "big", tests)
    assert main(["build", str(folder)]) == 0
    page = browser_page
    page.goto((folder / "index.html").as_uri(), wait_until="load")
    assert page.locator('#totals b[data-count="total"]').inner_text() == "2000"
    failed = sum(t.outcome == "failed" for t in tests)
    assert page.locator('#totals b[data-count="failed"]').inner_text() == str(failed)
    assert page.locator("div.failure").count() == failed
    # Every form the guide documents (spec/data) is counted in the matrix.
    forms = len(guide_forms())
    assert page.locator('#matrix-table tr[data-set="all"] td[data-count="forms"]').inner_text() == str(forms)
    # The filter of the all-tests table hides what does not match.
    page.locator("#tests > details > summary").click()
    page.fill("#filter", "skipped")
    skipped = sum(t.outcome == "skipped" for t in tests)
    assert page.locator("table[data-filter] tbody tr:visible").count() == skipped
