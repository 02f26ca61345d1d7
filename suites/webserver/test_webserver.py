"""3.13 AT+WEBSERVER and examples 4.7.1-4.7.5: the board's web server driven by a real browser (headless
Chromium, fixtures/browser.py) and, for the WeChat applet of 4.7.3/4.7.4, by a scripted HTTP client speaking
the same API. Provisioning is checked by its result: the board joined the rig's AP with the credentials sent
(AT+CWJAP? names it), with the reports of 4.7.1 in order (+WEBSERVERRSP:1, WIFI CONNECTED, WIFI GOT IP,
+WEBSERVERRSP:2). The page's element ids (#ssid, #password, #connect, #firmware, #upload) are those of the
simulator's page; a bench whose firmware embeds another page maps them here.

The API (routes, JSON fields, the ``Object`` header of an upload) is the public firmware's,
espressif/esp-at components/at/src/at_web_server_cmd.c: POST /setstainfo {"ssid","password"}, GET
/getstainfo {"state": 0 running, 1 connected, 2 failed, ...}, POST /getresult, POST /setotadata.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from fixtures.cases import InvalidCase, invalid_set_cases
from fixtures.servers import attach_text
from suites.webserver.conftest import TIMEOUT_S, softap_ip, web_in_firmware

pytestmark = [pytest.mark.webserver, pytest.mark.usefixtures("fresh_board")]

#: 4.7.1: the reports of a provisioning that succeeded, in this order (the guide's serial output).
PROVISIONED = ["+WEBSERVERRSP:1", "WIFI CONNECTED", "WIFI GOT IP", "+WEBSERVERRSP:2"]


def _http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url, data=body, headers=headers or {}, method="POST" if body is not None else "GET"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _reports(dut, lines: list[str], timeout: float) -> None:
    """Wait for each of ``lines`` in turn, whole (a report is consumed once it is matched)."""
    for line in lines:
        dut.expect_urc(re.escape(line), timeout)


def _joined_to(dut, expect, ssid: str) -> None:
    """The provisioning's result: AT+CWJAP? names the AP whose credentials were sent (3.2.7)."""
    m = expect.ok(dut.cmd("AT+CWJAP?"), "AT+CWJAP", "query")
    assert m["ssid"] == ssid, m.values


# ------------------------------------------------------------------------------------------- 3.13.2


@pytest.mark.form("AT+WEBSERVER", "set")
def test_webserver_the_guides_examples(dut, expect, request) -> None:
    """3.13.2 examples: AT+WEBSERVER=1,<port>,50 starts the server (it answers on the soft-AP address),
    AT+WEBSERVER=0 stops it (the port refuses connections). The guide's port 80 is replaced by a free one."""
    web_in_firmware(dut, request)
    from servers.base import reserve_port

    expect.ok(dut.cmd("AT+CWMODE=3"), "AT+CWMODE", "set")
    ip = softap_ip(dut)
    port = reserve_port(ip)
    expect.ok(dut.cmd(f"AT+WEBSERVER=1,{port},50"), "AT+WEBSERVER", "set")
    status, body = _http(f"http://{ip}:{port}/getversion")
    assert status == 200 and "version" in json.loads(body), body  # at_web_server_cmd.c /getversion
    expect.ok(dut.cmd("AT+WEBSERVER=0"), "AT+WEBSERVER", "set")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{ip}:{port}/getversion", timeout=5)


VALID: list[tuple[str, int, list[str]]] = [("AT+WEBSERVER", 0, ["1", "8080", str(TIMEOUT_S)])]


def _cases() -> list[object]:
    return [
        pytest.param(case, id=f"{name}/set/{case.id}", marks=[pytest.mark.form(name, "set")])
        for name, case in invalid_set_cases(VALID)
    ]


@pytest.mark.parametrize("case", _cases())
def test_webserver_invalid_set(dut, err_code, request, case: InvalidCase) -> None:
    """One invalid AT+WEBSERVER invocation (3.13.2: <enable> 0/1, <connection_timeout> [21,60]): ERROR with
    the ERR CODE of its class (3.1.26)."""
    web_in_firmware(dut, request)
    err_code(dut.cmd(case.line, 10), case.err_name, case.param_index, **case.expect_kwargs())
    dut.cmd("AT+WEBSERVER=0")


# ------------------------------------------------------------------------------------------ 4.7.1


@pytest.mark.example("4.7.1")
@pytest.mark.form("AT+WEBSERVER", "set")
@pytest.mark.form("AT+CWJAP", "query")
def test_4_7_1_provisioning_from_a_browser(
    dut, expect, esp_ap, esp_rig, web_server, page, screenshot
) -> None:
    """4.7.1: open the board's page, enter the router's SSID and password, "Connect": the board reports
    +WEBSERVERRSP:1, joins (WIFI CONNECTED, WIFI GOT IP), and +WEBSERVERRSP:2 once the page has the result;
    AT+CWJAP? then names the router."""
    page.goto(web_server.url)
    screenshot("page")
    page.fill("#ssid", esp_ap.ssid)
    page.fill("#password", esp_ap.password)
    screenshot("filled")
    page.click("#connect")
    _reports(dut, PROVISIONED, esp_rig.targets.timeouts.join)
    screenshot("connected")
    _joined_to(dut, expect, esp_ap.ssid)


@pytest.mark.example("4.7.1")
@pytest.mark.form("AT+WEBSERVER", "set")
def test_4_7_1_wrong_password_is_reported(dut, esp_ap, web_server, page, screenshot) -> None:
    """4.7.1 (failure): with a wrong password the board reports +WEBSERVERRSP:1 and gets no address; once
    <connection_timeout> has passed the page has the failed result (at_web_server_cmd.c /getstainfo state 2)
    and posts /getresult, which the board reports as +WEBSERVERRSP:2 (accept_wifi_result_post_handler)."""
    page.goto(web_server.url)
    page.fill("#ssid", esp_ap.ssid)
    page.fill("#password", esp_ap.password + "-wrong")
    page.click("#connect")
    dut.expect_urc("\\+WEBSERVERRSP:1", 10)
    dut.expect_urc("\\+WEBSERVERRSP:2", TIMEOUT_S + 15)
    screenshot("failed")
    sta = dut.cmd("AT+CIPSTA?").assert_ok()
    assert '+CIPSTA:ip:"0.0.0.0"' in sta.lines, sta.text  # 3.2.22: no address without a connection
    dut.drain_urcs()


# ------------------------------------------------------------------------------------------ 4.7.2


@pytest.mark.example("4.7.2")
@pytest.mark.form("AT+WEBSERVER", "set")
@pytest.mark.form("AT+RST", "execute")
def test_4_7_2_ota_from_a_browser(
    dut, expect, esp_rig, web_server, page, screenshot, tmp_path, esp_ota_image
) -> None:
    """4.7.2: choose an app image on the page and send it: +WEBSERVERRSP:3 then :4; AT+RST applies it (note
    1) and the board comes back (ready, AT answers). The image: fixtures.servers' ``esp_ota_image`` (the
    firmware under test on a real board)."""
    image = tmp_path / "ota.bin"
    image.write_bytes(esp_ota_image(64 * 1024, 3))
    page.goto(web_server.url)
    page.set_input_files("#firmware", str(image))
    screenshot("chosen")
    page.click("#upload")
    _reports(dut, ["+WEBSERVERRSP:3", "+WEBSERVERRSP:4"], 30)
    screenshot("sent")
    expect.ok(dut.cmd("AT+RST"), "AT+RST", "execute")
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.cmd("AT").assert_ok()


@pytest.mark.example("4.7.2")
@pytest.mark.form("AT+WEBSERVER", "set")
def test_4_7_2_ota_of_a_bad_image_fails(dut, web_server, page, screenshot, tmp_path) -> None:
    """4.7.2 (failure): data that is no app image (4.7.2 note 2: the board checks the ``ota`` content):
    +WEBSERVERRSP:3 then :5."""
    image = tmp_path / "not-an-image.bin"
    image.write_bytes(b"\x00" * 4096)
    page.goto(web_server.url)
    page.set_input_files("#firmware", str(image))
    page.click("#upload")
    _reports(dut, ["+WEBSERVERRSP:3", "+WEBSERVERRSP:5"], 30)
    screenshot("failed")


# ------------------------------------------------------------------------------------- 4.7.3, 4.7.4


@pytest.mark.example("4.7.3")
@pytest.mark.form("AT+WEBSERVER", "set")
@pytest.mark.form("AT+CWJAP", "query")
def test_4_7_3_wechat_applet_provisioning_replayed(dut, expect, esp_ap, esp_rig, web_server, request) -> None:
    """4.7.3 (WeChat applet), replayed by a scripted HTTP client through the page's API: POST /setstainfo,
    poll /getstainfo until state 1, POST /getresult; the same reports and result as 4.7.1."""
    attach_text(
        request, "replay", "4.7.3 replayed through the board's HTTP API by a scripted client (no WeChat)"
    )
    body = json.dumps({"ssid": esp_ap.ssid, "password": esp_ap.password}).encode()
    assert _http(web_server.url + "setstainfo", body)[0] == 200
    deadline = time.monotonic() + esp_rig.targets.timeouts.join
    info: dict = {}
    while time.monotonic() < deadline:
        info = json.loads(_http(web_server.url + "getstainfo")[1])
        if info["state"] != 0:
            break
        time.sleep(0.2)
    assert info["state"] == 1 and info["sta_ssid"] == esp_ap.ssid, info
    assert _http(web_server.url + "getresult", json.dumps({"received": 1}).encode())[0] == 200
    _reports(dut, PROVISIONED, esp_rig.targets.timeouts.join)
    _joined_to(dut, expect, esp_ap.ssid)


@pytest.mark.example("4.7.4")
@pytest.mark.form("AT+WEBSERVER", "set")
def test_4_7_4_wechat_applet_ota_replayed(dut, web_server, request, esp_ota_image) -> None:
    """4.7.4 (OTA from the WeChat applet), replayed: GET /getotainfo lists the ``ota`` partition, POST
    /setotadata with ``Object: ota`` sends the image (``esp_ota_image``): +WEBSERVERRSP:3, :4."""
    attach_text(
        request, "replay", "4.7.4 replayed through the board's HTTP API by a scripted client (no WeChat)"
    )
    status, body = _http(web_server.url + "getotainfo")
    assert status == 200 and "ota" in json.loads(body)["partitions"], body
    status, _ = _http(web_server.url + "setotadata", esp_ota_image(16 * 1024, 5), {"Object": "ota"})
    assert status == 200
    _reports(dut, ["+WEBSERVERRSP:3", "+WEBSERVERRSP:4"], 30)


# ------------------------------------------------------------------------------------------ 4.7.5


@pytest.mark.example("4.7.5")
@pytest.mark.form("AT+WEBSERVER", "set")
def test_4_7_5_captive_portal_lands_on_the_page(web_server, page, screenshot) -> None:
    """4.7.5: whatever URL the phone opens on the board's network lands on the provisioning page (the
    firmware answers unknown paths with 302 to http://<soft-AP ip>/)."""
    for path in ("generate_204", "hotspot-detect.html", "any/where?x=1"):
        page.goto(web_server.url + path)
        assert page.url == web_server.url, page.url
        assert page.is_visible("#ssid")
    screenshot("portal")


@pytest.mark.example("4.7.5")
@pytest.mark.form("AT+WEBSERVER", "set")
def test_4_7_5_captive_portal_dns_answers_with_the_softap(web_server) -> None:
    """4.7.5: the captive portal's DNS (at_web_dns_server, port 53 of the soft-AP) answers any name with the
    soft-AP's address, which is how a phone's connectivity check reaches the page."""
    from dnslib import QTYPE, DNSRecord

    for name in ("connectivitycheck.gstatic.com", "captive.apple.com"):
        reply = DNSRecord.parse(DNSRecord.question(name).send(web_server.ip, 53, timeout=5))
        answers = [str(rr.rdata) for rr in reply.rr if rr.rtype == QTYPE.A]
        assert answers == [web_server.ip], reply


# ------------------------------------------------------------------------------- 4.12.2, 4.12.4


@pytest.mark.example("4.12.2")
@pytest.mark.form("AT+CWSTARTSMART", "set")
@pytest.mark.form("AT+CWSTOPSMART", "execute")
@pytest.mark.form("AT+CWJAP", "query")
@pytest.mark.requires("smartconfig")
def test_4_12_2_smartconfig_provisioning(dut, expect, esp_ap, esp_rig) -> None:
    """4.12.2: AT+CWMODE=1, AT+CWSTARTSMART=4,0,<key>; the phone (ESP-Touch v2, the rig's "smartconfig"
    peer) sends the rig's first AP's credentials: smartconfig type:ESPTOUCH_V2, Smart get wifi info, ssid:,
    password:, WIFI CONNECTED, WIFI GOT IP, smartconfig connected wifi; AT+CWSTOPSMART; AT+CWJAP? names it."""
    expect.ok(dut.cmd("AT+CWMODE=1"), "AT+CWMODE", "set")
    dut.cmd("AT+CWQAP").assert_ok()
    dut.drain_urcs()
    expect.ok(dut.cmd('AT+CWSTARTSMART=4,0,"1234567890123456"'), "AT+CWSTARTSMART", "set")
    want = [
        "smartconfig type:ESPTOUCH_V2",
        "Smart get wifi info",
        f"ssid:{esp_ap.ssid}",
        f"password:{esp_ap.password}",
        "WIFI CONNECTED",
        "WIFI GOT IP",
        "smartconfig connected wifi",
    ]
    _reports(dut, want, esp_rig.targets.timeouts.join)
    expect.ok(dut.cmd("AT+CWSTOPSMART"), "AT+CWSTOPSMART", "execute")
    _joined_to(dut, expect, esp_ap.ssid)


@pytest.mark.example("4.12.4")
@pytest.mark.form("AT+WPS", "set")
@pytest.mark.form("AT+CWJAP", "query")
@pytest.mark.requires("wps")
def test_4_12_4_wps_provisioning(dut, expect, esp_ap, esp_rig) -> None:
    """4.12.4: AT+CWMODE=1, AT+WPS=1; the WPS button of the rig's first AP is pressed (the rig's "wps"
    peer): WIFI CONNECTED, WIFI GOT IP; AT+CWJAP? names that AP; AT+WPS=0."""
    expect.ok(dut.cmd("AT+CWMODE=1"), "AT+CWMODE", "set")
    dut.cmd("AT+CWQAP").assert_ok()
    dut.drain_urcs()
    expect.ok(dut.cmd("AT+WPS=1"), "AT+WPS", "set")
    _reports(dut, ["WIFI CONNECTED", "WIFI GOT IP"], esp_rig.targets.timeouts.join)
    _joined_to(dut, expect, esp_ap.ssid)
    expect.ok(dut.cmd("AT+WPS=0"), "AT+WPS", "set")


@pytest.mark.parametrize("section", ["4.12.2", "4.12.4"])
@pytest.mark.examples
def test_provisioning_example_replayed(section: str, esp_example_runner) -> None:
    """4.12.2 and 4.12.4 replayed strictly by the example runner (fixtures/example_runner.py); their
    manual steps (the phone app, the WPS button) are the rig's scripted peers' part."""
    from spec.examples import example

    esp_example_runner(example(section))


@pytest.mark.example("4.12.3")
@pytest.mark.form("AT+CWSAP", "set")
@pytest.mark.form("AT+WEBSERVER", "set")
@pytest.mark.form("AT+CWJAP", "query")
def test_4_12_3_softap_provisioning(dut, expect, esp_ap, esp_rig, web_server) -> None:
    """4.12.3: "AT SoftAP provisioning refers to WEB provisioning" (4.7): the device on the board's soft-AP
    posts the router's credentials to the web server; the board joins the router."""
    body = json.dumps({"ssid": esp_ap.ssid, "password": esp_ap.password}).encode()
    assert _http(web_server.url + "setstainfo", body)[0] == 200
    dut.expect_urc("\\+WEBSERVERRSP:1", 10)
    dut.expect_urc("WIFI GOT IP", esp_rig.targets.timeouts.join)
    _joined_to(dut, expect, esp_ap.ssid)
