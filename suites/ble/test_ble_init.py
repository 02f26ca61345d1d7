"""3.4.2-3.4.4: AT+BLEINIT (role, its query before and after, the role that cannot change without a
deinit), AT+BLEADDR (the public address, a static random address and the note's rules), AT+BLENAME (default,
set, length), and their refusal before AT+BLEINIT."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]


@pytest.mark.form("AT+BLEINIT", "query")
@pytest.mark.form("AT+BLEINIT", "set")
@pytest.mark.parametrize("role", [1, 2, 3], ids=["client", "server", "dual"])
def test_bleinit_roles_read_back(dut, expect, role) -> None:
    """+BLEINIT:0 before initialization, +BLEINIT:<role> after AT+BLEINIT=<role>, 0 again after
    AT+BLEINIT=0 (3.4.2 query responses and <init>)."""
    r = dut.cmd("AT+BLEINIT?")
    expect.ok(r, "AT+BLEINIT", "query")
    assert "+BLEINIT:0" in r.lines, r.text  # the guide's "not initialized" block
    expect.ok(dut.cmd(f"AT+BLEINIT={role}"), "AT+BLEINIT", "set")
    assert expect.ok(dut.cmd("AT+BLEINIT?"), "AT+BLEINIT", "query")["role"] == role
    expect.ok(dut.cmd("AT+BLEINIT=0"), "AT+BLEINIT", "set")
    r = dut.cmd("AT+BLEINIT?")
    expect.ok(r, "AT+BLEINIT", "query")
    assert "+BLEINIT:0" in r.lines, r.text


@pytest.mark.form("AT+BLEINIT", "set")
def test_bleinit_role_cannot_change_without_deinit(dut, expect) -> None:
    """3.4.2 notes: "After the initialization, the Bluetooth LE role cannot be changed unless you run
    AT+RST": AT+BLEINIT=2 after =1 is refused and the role stays 1 (state refusal: ERROR alone,
    suites/README.md "State rules")."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.error(dut.cmd("AT+BLEINIT=2"))
    assert "+BLEINIT:1" in dut.cmd("AT+BLEINIT?").assert_ok().lines


@pytest.mark.form("AT+BLEINIT", "set")
@pytest.mark.parametrize("text", ["AT+BLEINIT=4", "AT+BLEINIT=-1", "AT+BLEINIT=1,1"])
def test_bleinit_invalid(dut, expect, text) -> None:
    """<init> outside 0..3, the execute form that 3.4.2 does not define, and an extra parameter: ERROR,
    Bluetooth LE stays uninitialized."""
    expect.error(dut.cmd(text))
    assert "+BLEINIT:0" in dut.cmd("AT+BLEINIT?").assert_ok().lines


@pytest.mark.parametrize(
    "text", ["AT+BLEADDR?", "AT+BLENAME?", 'AT+BLENAME="x"', "AT+BLEADDR=0"], ids=lambda t: t
)
def test_commands_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: "Before using other Bluetooth LE AT commands, you should run this command first"."""
    expect.error(dut.cmd(text))


def test_bleinit_execute_form_is_not_defined(dut, expect) -> None:
    """3.4.2 defines only the query and set forms: bare AT+BLEINIT is ERROR and nothing is initialized."""
    expect.error(dut.cmd("AT+BLEINIT"))
    assert "+BLEINIT:0" in dut.cmd("AT+BLEINIT?").assert_ok().lines


@pytest.mark.form("AT+BLEADDR", "query")
@pytest.mark.form("AT+BLEADDR", "set")
def test_bleaddr_public_and_static(dut, expect, esp_board) -> None:
    """AT+BLEADDR? gives the public address (3.4.3, ESP32); the guide's own static address
    "f8:7f:24:87:1c:7b" is accepted, AT+BLEADDR=0 goes back to public; a static address whose two most
    significant bits are not 1 is refused (3.4.3 note)."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    m = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")
    public = m["BLE_public_addr"]
    bt_mac = getattr(esp_board.identity, "bt_mac", None)
    if bt_mac:  # the rig's known value where the board driver knows it
        assert public.lower() == bt_mac.lower(), (public, bt_mac)
    expect.ok(dut.cmd('AT+BLEADDR=1,"f8:7f:24:87:1c:7b"'), "AT+BLEADDR", "set")
    expect.ok(dut.cmd("AT+BLEADDR=1"), "AT+BLEADDR", "set")
    expect.ok(dut.cmd("AT+BLEADDR=0"), "AT+BLEADDR", "set")
    assert expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"] == public
    expect.error(dut.cmd('AT+BLEADDR=1,"38:7f:24:87:1c:7b"'))  # top bits 00: not a static address
    expect.error(dut.cmd("AT+BLEADDR=2"))


@pytest.mark.form("AT+BLENAME", "query")
@pytest.mark.form("AT+BLENAME", "set")
def test_blename_default_set_and_length(dut, expect) -> None:
    """<device_name>: "The maximum length is 32. Default: "ESP-AT"." (3.4.4); the guide's example name is
    read back; 33 characters are refused and the name stays."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    assert expect.ok(dut.cmd("AT+BLENAME?"), "AT+BLENAME", "query")["device_name"] == "ESP-AT"
    expect.ok(dut.cmd('AT+BLENAME="esp_demo"'), "AT+BLENAME", "set")
    assert expect.ok(dut.cmd("AT+BLENAME?"), "AT+BLENAME", "query")["device_name"] == "esp_demo"
    expect.ok(dut.cmd(f'AT+BLENAME="{"n" * 32}"'), "AT+BLENAME", "set")
    expect.error(dut.cmd(f'AT+BLENAME="{"n" * 33}"'))
    assert expect.ok(dut.cmd("AT+BLENAME?"), "AT+BLENAME", "query")["device_name"] == "n" * 32
    expect.ok(dut.cmd('AT+BLENAME="ESP-AT"'), "AT+BLENAME", "set")
