"""3.14.3 AT+USEROTA: the board downloads the firmware from the URL typed after ``>`` (the rig's OTA peer,
servers/ota.py, serves it at ``/firmware/<version>/ota.bin``), answers OK and restarts (``ready``).

Expected text: the guide's blocks (``OK``, ``>``; ``Recv <url len> bytes``; ``OK`` or ``ERROR``) and the
public handler (components/at/src/at_user_cmd.c at_setup_cmd_userota, tag v5.0.0.0) where the guide says
less: the restart after OK (esp_restart), the plain ERROR (spec/err_provenance.yaml user-plain-error), the
URL taken as typed. The image is the rig's (fixtures.servers ``esp_ota_image``: on a real board the app of
the firmware under test)."""

from __future__ import annotations

import pytest

from fixtures.servers import has_records
from spec.messages import err_code as compose_err_code
from suites.user.test_userram import refused

pytestmark = [pytest.mark.user, pytest.mark.usefixtures("fresh_board")]


def userota(dut, esp_rig, url: str):
    """AT+USEROTA=<url len>, OK and ``>``, the URL: (the prompt's response, the verdict after the URL)."""
    prompt = dut.cmd(f"AT+USEROTA={len(url.encode())}")
    assert prompt.prompt, f"expected OK and '>' (3.14.3), got {prompt.text!r}"
    return prompt, dut.send_data(url.encode(), 120.0)


@pytest.mark.requires("ota", "wifi-sta")
@pytest.mark.bench_risk
@pytest.mark.lenient("crash", reason="at_user_cmd.c restarts the board (esp_restart) after a successful upgrade")
@pytest.mark.form("AT+USEROTA", "set")
def test_upgrade_from_the_url_then_restart(
    dut, expect, esp_rig, joined, esp_ota_server, esp_ota_image
) -> None:
    """The 3.14.3 example's exchange with the OTA peer's URL: OK, ``>``, Recv <url len> bytes, OK; the
    peer served the whole image once; the board restarts (``ready``)."""
    if not has_records(esp_ota_server, "the image it served to AT+USEROTA"):
        pytest.skip("the rig's OTA server is external: the test cannot offer it an image")
    data = esp_ota_image(48 * 1024, 11)
    esp_ota_server.add_firmware("v9.9.9.6", data, latest=False)
    url = esp_ota_server.userota_url("v9.9.9.6")
    before = len(esp_ota_server.downloads)
    prompt, verdict = userota(dut, esp_rig, url)
    expect.matches(prompt, "OK\n\n>", "AT+USEROTA")
    m = expect.matches(verdict, "Recv <url len> bytes\nOK", "AT+USEROTA")
    assert int(str(m["url len"])) == len(url.encode())
    got = esp_ota_server.downloads[before:]
    assert [(d.size, d.via) for d in got] == [(len(data), "userota")], got
    # at_user_cmd.c: esp_restart() after the OK of a successful upgrade
    dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
    dut.sync(timeout=esp_rig.targets.timeouts.ready, leave_passthrough=False)


@pytest.mark.requires("ota", "wifi-sta")
@pytest.mark.form("AT+USEROTA", "set")
def test_a_url_with_no_image_fails(dut, expect, err_code, esp_rig, joined, esp_ota_server) -> None:
    """The peer has no such image (HTTP 404): Recv <url len> bytes, then ERROR (3.14.3: "If ... firmware
    upgrades fails, the system returns ERROR") with the handler's plain code (AT+SYSLOG=1 by ``err_code``),
    and the board keeps running (no restart)."""
    url = esp_ota_server.userota_url("v0.0.0.0", "no-such-image")
    _, verdict = userota(dut, esp_rig, url)
    m = expect.matches(verdict, "Recv <url len> bytes\nERROR", "AT+USEROTA")
    assert int(str(m["url len"])) == len(url.encode())
    plain = compose_err_code(
        "ESP_AT_SUB_CMD_EXEC_FAIL", result=0
    )  # spec/err_provenance.yaml user-plain-error
    assert verdict.err_code == plain, f"expected ERR CODE 0x{plain:08x}, got {verdict.text!r}"
    dut.cmd("AT").assert_ok()


@pytest.mark.form("AT+USEROTA", "set")
def test_url_length_zero_refused(dut, err_code) -> None:
    """<url len> 0: the handler refuses a length that is not positive (at_user_cmd.c), before any prompt."""
    refused(err_code, dut.cmd("AT+USEROTA=0"))
