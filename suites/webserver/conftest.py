"""Fixtures of the 3.13 web server suite: the command must be in the build; the board's soft-AP and web
server as examples 4.7.1 / 4.7.2 set them up; one headless Chromium per module; screenshots into the
report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fixtures.browser import chromium_context
from fixtures.context import run_context
from fixtures.suite import skip_unless_listed
from servers.base import reserve_port

#: 4.7.1 step 1-3: the soft-AP the phone/PC joins (the guide's "pos_softap", open, channel 11).
SOFTAP = 'AT+CWSAP="pos_softap","",11,0,3'
#: 4.7.1 step 4 uses <connection_timeout> 25 (3.13.2: [21,60] seconds).
TIMEOUT_S = 25


def web_in_firmware(dut, request) -> None:
    # 3.13 Introduction: "The default AT firmware does not support the AT commands listed on this page"; it
    # needs "AT Web Server command support". rigs/sim-web.yaml is a build with it.
    skip_unless_listed(
        dut,
        request.config,
        "AT+WEBSERVER",
        "3.13 says the default firmware leaves the web server command out (AT Web Server command support); "
        "run with a build that has it (rigs/sim-web.yaml)",
    )


@dataclass(frozen=True)
class WebServer:
    """Where the board's web server listens: the soft-AP address AT+CIPAP? reports, and the port given."""

    ip: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.ip}/" if self.port == 80 else f"http://{self.ip}:{self.port}/"


def softap_ip(dut) -> str:
    resp = dut.cmd("AT+CIPAP?").assert_ok()
    return next(line.split('"')[1] for line in resp.lines if line.startswith("+CIPAP:ip:"))


@pytest.fixture
def web_server(dut, expect, request) -> Iterator[WebServer]:
    """4.7.1 steps 1-4: AT+CWMODE=3, the soft-AP, AT+CIPMUX=1, AT+WEBSERVER=1,<port>,25; stopped after.
    The port is a free one (the guide's 80 needs privileges on a host); a bench's board listens where told."""
    web_in_firmware(dut, request)
    expect.ok(dut.cmd("AT+CWMODE=3"), "AT+CWMODE", "set")
    expect.ok(dut.cmd(SOFTAP), "AT+CWSAP", "set")
    expect.ok(dut.cmd("AT+CIPMUX=1"), "AT+CIPMUX", "set")
    ip = softap_ip(dut)
    port = reserve_port(ip)
    expect.ok(dut.cmd(f"AT+WEBSERVER=1,{port},{TIMEOUT_S}"), "AT+WEBSERVER", "set")
    yield WebServer(ip, port)
    dut.cmd("AT+WEBSERVER=0")
    dut.drain_urcs()


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Any]:
    """One headless Chromium per module (fixtures/browser.py); each test opens its own page."""
    with chromium_context(tmp_path_factory.mktemp("chromium") / "profile") as context:
        yield context


@pytest.fixture
def page(browser) -> Iterator[Any]:
    p = browser.new_page()
    p.set_default_timeout(30_000)
    yield p
    p.close()


@pytest.fixture
def screenshot(page, request) -> Any:
    """``screenshot(step)``: the page now, as reports/out/.../screenshots/<test>-<n>-<step>.png, attached
    to the test's report (a report section naming the file, and Allure when it collects)."""
    ctx = run_context(request.config)
    folder: Path = ctx.transcripts_dir.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def take(step: str) -> Path:
        path = folder / f"{request.node.name}-{len(shots) + 1}-{step}.png".replace("/", "_")
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)
        # the report shows it beside the test's transcript (fixtures/coverage.py SCREENSHOT_PROPERTY)
        request.node.user_properties.append(("screenshot", str(path)))
        try:
            import allure

            allure.attach.file(str(path), name=step, attachment_type=allure.attachment_type.PNG)
        except Exception:  # allure not installed or not collecting: the report section is enough
            pass
        return path

    yield take
    if shots:
        request.node.add_report_section("teardown", "screenshots", "\n".join(str(p) for p in shots))
