"""3.4.33-3.4.40: Bluetooth LE security with the BLE peer as the other side of every pairing
(servers/ble_peer_pairing.py): Just Works, passkey entry both ways (the board displays, 4.3.4's client; the
board types the peer's key, 4.3.7), numeric comparison, a wrong passkey and a refusal rejected; the bonding
list (AT+BLEENCDEV?) kept over AT+RST and cleared by AT+BLEENCCLEAR; AT+BLESECPARAM and AT+BLESETKEY read
back. The peer's side is asserted from its record: what it displayed, compared and was asked, how each
pairing ended (association model, Secure Connections, bonded, encrypted).

Reports are matched against spec/urcs.yaml: ble_sec_req, ble_sec_ntfy_key, ble_sec_key_req, ble_sec_nc_req
(from a real board's transcript, see there), ble_sec_key_type and ble_auth_cmpl.
"""

from __future__ import annotations

import pytest

from fixtures.suite import restart, restore_defaults
from rigs.at.events import Urc
from spec.messages import urc

pytestmark = [pytest.mark.ble, pytest.mark.requires("ble"), pytest.mark.usefixtures("fresh_board")]

#: Pairing steps and reports come over the air at once; a ceiling, not a pace.
WAIT = 10.0
#: 3.4.38's list: one line per bonded device ("a maximum of 15"), none when nothing is bonded.
ENCDEV_RESPONSE = "+BLEENCDEV:<enc_dev_index>,<mac_address>{*}\nOK"
#: 3.4.33 <auth_req> 13 SC_MITM_BOND and 1 BOND; <iocap> values.
SC_MITM_BOND, BOND = 13, 1
DISPLAY_ONLY, DISPLAY_YES_NO, KEYBOARD_ONLY, NO_IO = 0, 1, 2, 3


def report(dut, template_id: str, timeout: float = WAIT) -> Urc:
    """The next report of ``template_id``'s kind, checked whole against its template."""
    template = urc(template_id)
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == template.kind, timeout)
    assert template.regex.fullmatch(ev.text), f"{ev.text!r} does not match {template.template!r}"
    return ev


def field(ev: Urc, i: int) -> int:
    return int(ev.text.split(":", 1)[1].split(",")[i])


def auth_complete(dut) -> int:
    """The ``+BLEAUTHCMPL:0,<enc_result>`` that ends the pairing of link 0 (any +BLESECKEYTYPE before it is
    checked against its template by the session's report check); its <enc_result>."""
    ev = report(dut, "ble_auth_cmpl")
    assert field(ev, 0) == 0, ev.text
    return field(ev, 1)


def bonded_list(dut, expect) -> list[tuple[int, str]]:
    m = expect.matches(dut.cmd("AT+BLEENCDEV?"), ENCDEV_RESPONSE, "AT+BLEENCDEV")
    return list(zip(m.all("enc_dev_index"), [str(a).lower() for a in m.all("mac_address")], strict=True))


@pytest.fixture
def linked(dut, expect, esp_ble_peer):
    """The board as server (AT+BLEINIT=2, advertising) with an empty bonding list; the peer connects and the
    board reports +BLECONN:0. The test sets AT+BLESECPARAM and the peer's pairing before pairing."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLEENCCLEAR"), "AT+BLEENCCLEAR", "execute")
    board = expect.ok(dut.cmd("AT+BLEADDR?"), "AT+BLEADDR", "query")["BLE_public_addr"].lower()
    expect.ok(dut.cmd("AT+BLEADVSTART"), "AT+BLEADVSTART", "execute")
    esp_ble_peer.connect(board, 0)
    assert report(dut, "ble_conn").text == f'+BLECONN:0,"{esp_ble_peer.address.lower()}"'
    return esp_ble_peer


def peer_asks(dut, expect, peer) -> None:
    """The peer sends a Pairing Request; the board reports +BLESECREQ:0 and AT+BLEENCRSP=0,1 accepts."""
    peer.start_pairing()
    assert field(report(dut, "ble_sec_req"), 0) == 0
    expect.ok(dut.cmd("AT+BLEENCRSP=0,1"), "AT+BLEENCRSP", "set")


@pytest.mark.form("AT+BLESECPARAM", "set")
@pytest.mark.form("AT+BLESECPARAM", "query")
def test_blesecparam_read_back(dut, expect) -> None:
    """3.4.33's example AT+BLESECPARAM=1,4,16,3,3,0, 4.3.4's 13,2,16,3,3 and 13,4,16,3,3 and the
    <enc_key_size> range ends 7 and 16 read back field for field (those without <auth_option>: the five
    given)."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    names = ("auth_req", "iocap", "enc_key_size", "init_key", "rsp_key", "auth_option")
    for values in (
        (1, 4, 16, 3, 3, 0),
        (13, 2, 16, 3, 3),
        (13, 4, 16, 3, 3),
        (0, 3, 7, 0, 0, 1),
        (9, 1, 16, 7, 7, 0),
    ):
        expect.ok(dut.cmd("AT+BLESECPARAM=" + ",".join(map(str, values))), "AT+BLESECPARAM", "set")
        m = expect.ok(dut.cmd("AT+BLESECPARAM?"), "AT+BLESECPARAM", "query")
        assert tuple(m[n] for n in names[: len(values)]) == values, m


@pytest.mark.form("AT+BLESECPARAM", "set")
@pytest.mark.parametrize(
    "args",
    ["2,4,16,3,3", "1,5,16,3,3", "1,4,6,3,3", "1,4,17,3,3", "1,4,16,3,3,2", "1,4,16,3", "1,4,16,3,3,0,0"],
    ids=["auth_req", "iocap", "key-size-low", "key-size-high", "auth_option", "four-params", "seven-params"],
)
def test_blesecparam_invalid(dut, expect, args) -> None:
    """Outside 3.4.33's <auth_req> and <iocap> enums, <enc_key_size> outside [7,16], <auth_option> outside
    0/1, a parameter missing or extra: ERROR, and the old values stay."""
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    expect.ok(dut.cmd("AT+BLESECPARAM=1,4,16,3,3,0"), "AT+BLESECPARAM", "set")
    expect.error(dut.cmd(f"AT+BLESECPARAM={args}"))
    m = expect.ok(dut.cmd("AT+BLESECPARAM?"), "AT+BLESECPARAM", "query")
    assert (m["auth_req"], m["iocap"], m["enc_key_size"]) == (1, 4, 16), m


@pytest.mark.form("AT+BLESETKEY", "set")
@pytest.mark.form("AT+BLESETKEY", "query")
def test_blesetkey_read_back(dut, expect, esp_rig) -> None:
    """3.4.40 (ESP32): -1 before a key is set ("If it is not set, AT will return -1"); the guide's
    AT+BLESETKEY=123456 read back."""
    restore_defaults(dut, esp_rig)  # the module's tests before may have set a key
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    assert expect.ok(dut.cmd("AT+BLESETKEY?"), "AT+BLESETKEY", "query")["static_key"] == -1
    expect.ok(dut.cmd("AT+BLESETKEY=123456"), "AT+BLESETKEY", "set")
    assert expect.ok(dut.cmd("AT+BLESETKEY?"), "AT+BLESETKEY", "query")["static_key"] == 123456


@pytest.mark.form("AT+BLEENCRSP", "set")
@pytest.mark.form("AT+BLEENCDEV", "query")
def test_just_works_bonds(dut, expect, linked) -> None:
    """Both sides NoInputNoOutput with bonding (AT+BLESECPARAM=1,3,16,3,3): the peer's request is reported
    +BLESECREQ:0, AT+BLEENCRSP=0,1 accepts, +BLEAUTHCMPL:0,0; the peer paired by Just Works, bonded, on an
    encrypted link; AT+BLEENCDEV? lists the peer's address at index 0."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={BOND},{NO_IO},16,3,3"), "AT+BLESECPARAM", "set")
    pairing = linked.configure_pairing("no_input_no_output")
    peer_asks(dut, expect, linked)
    assert auth_complete(dut) == 0
    outcome = pairing.wait_outcome()
    assert (outcome.ok, outcome.method, outcome.bonded, outcome.encrypted) == (True, "just_works", True, True)
    assert bonded_list(dut, expect) == [(0, linked.address.lower())]


def test_refused_request_fails_on_both_sides(dut, expect, linked) -> None:
    """AT+BLEENCRSP=0,0 (3.4.35 <accept> 0: reject): the peer's pairing fails, the link stays unencrypted
    and nothing is bonded."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={BOND},{NO_IO},16,3,3"), "AT+BLESECPARAM", "set")
    pairing = linked.configure_pairing("no_input_no_output")
    linked.start_pairing()
    report(dut, "ble_sec_req")
    expect.ok(dut.cmd("AT+BLEENCRSP=0,0"), "AT+BLEENCRSP", "set")
    outcome = pairing.wait_outcome()
    assert (outcome.ok, outcome.encrypted) == (False, False), outcome
    assert bonded_list(dut, expect) == []


@pytest.mark.parametrize("static", [False, True], ids=["random-key", "static-key"])
def test_board_displays_the_passkey(dut, expect, linked, static) -> None:
    """4.3.4's displaying side: the board DisplayOnly with SC_MITM_BOND shows +BLESECNTFYKEY:0,<key>, the
    peer (KeyboardOnly) is asked for it and types it: +BLEAUTHCMPL:0,0 and the peer paired by passkey entry
    over Secure Connections. With AT+BLESETKEY=123456 (3.4.40: "a static pair key for all connections") the
    key shown is 123456."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={SC_MITM_BOND},{DISPLAY_ONLY},16,3,3"), "AT+BLESECPARAM", "set")
    if static:
        expect.ok(dut.cmd("AT+BLESETKEY=123456"), "AT+BLESETKEY", "set")
    pairing = linked.configure_pairing("keyboard_only", mitm=True)
    peer_asks(dut, expect, linked)
    key = field(report(dut, "ble_sec_ntfy_key"), 1)
    assert 0 <= key <= 999999
    if static:
        assert key == 123456
    assert pairing.wait_asked() == "passkey"
    pairing.type_passkey(key)
    assert auth_complete(dut) == 0
    outcome = pairing.wait_outcome()
    assert (outcome.ok, outcome.method, outcome.sc, outcome.encrypted) == (True, "passkey", True, True), (
        outcome
    )


def test_wrong_passkey_is_rejected(dut, expect, linked) -> None:
    """The peer types another key than the one the board shows: the pairing fails on both sides
    (+BLEAUTHCMPL:0,1, 3.17 <enc_result> 1) and the link stays unencrypted."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={SC_MITM_BOND},{DISPLAY_ONLY},16,3,3"), "AT+BLESECPARAM", "set")
    pairing = linked.configure_pairing("keyboard_only", mitm=True)
    peer_asks(dut, expect, linked)
    key = field(report(dut, "ble_sec_ntfy_key"), 1)
    pairing.wait_asked()
    pairing.type_passkey((key + 1) % 1_000_000)
    assert auth_complete(dut) == 1
    outcome = pairing.wait_outcome()
    assert (outcome.ok, outcome.encrypted) == (False, False), outcome
    assert bonded_list(dut, expect) == []


@pytest.mark.form("AT+BLEENC", "set")
@pytest.mark.form("AT+BLEKEYREPLY", "set")
def test_board_types_the_peers_passkey(dut, expect, linked) -> None:
    """4.3.7: the board (server, KeyboardOnly, SC_MITM_BOND) starts with AT+BLEENC=0,3; the peer displays a
    key; the board reports +BLESECKEYREQ:0 and AT+BLEKEYREPLY=0,<key> completes: +BLEAUTHCMPL:0,0, the peer
    paired by passkey entry."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={SC_MITM_BOND},{KEYBOARD_ONLY},16,3,3"), "AT+BLESECPARAM", "set")
    pairing = linked.configure_pairing("display_only", mitm=True)
    expect.ok(dut.cmd("AT+BLEENC=0,3"), "AT+BLEENC", "set")
    assert field(report(dut, "ble_sec_key_req"), 0) == 0
    key = pairing.wait_displayed()
    expect.ok(dut.cmd(f"AT+BLEKEYREPLY=0,{key}"), "AT+BLEKEYREPLY", "set")
    assert auth_complete(dut) == 0
    outcome = pairing.wait_outcome()
    assert (outcome.ok, outcome.method, outcome.encrypted) == (True, "passkey", True), outcome


@pytest.mark.form("AT+BLECONFREPLY", "set")
@pytest.mark.parametrize("answer", [1, 0], ids=["yes", "no"])
def test_numeric_comparison(dut, expect, linked, answer) -> None:
    """Both DisplayYesNo over Secure Connections: the board reports +BLESECNCREQ:0,<key> with the number the
    peer compares; AT+BLECONFREPLY=0,1 completes the pairing (+BLEAUTHCMPL:0,0), AT+BLECONFREPLY=0,0 makes
    it fail on both sides (3.4.37 <confirm> 0: No)."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={SC_MITM_BOND},{DISPLAY_YES_NO},16,3,3"), "AT+BLESECPARAM", "set")
    pairing = linked.configure_pairing("display_yes_no", mitm=True)
    peer_asks(dut, expect, linked)
    ev = report(dut, "ble_sec_nc_req")
    assert field(ev, 1) == pairing.wait_compared(), ev.text
    expect.ok(dut.cmd(f"AT+BLECONFREPLY=0,{answer}"), "AT+BLECONFREPLY", "set")
    assert auth_complete(dut) == (0 if answer else 1)
    outcome = pairing.wait_outcome()
    if answer:
        assert (outcome.ok, outcome.method, outcome.sc) == (True, "numeric_comparison", True), outcome
    else:
        assert not outcome.ok, outcome


@pytest.mark.form("AT+BLEENCCLEAR", "set")
@pytest.mark.form("AT+BLEENCDEV", "query")
def test_bonding_list_survives_restart(dut, expect, linked, esp_rig) -> None:
    """A bonded peer is still listed after AT+RST (the bonding information is the stack's, in flash);
    AT+BLEENCCLEAR=<enc_dev_index> of an index with no device is refused, of the peer's index removes it."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={BOND},{NO_IO},16,3,3"), "AT+BLESECPARAM", "set")
    linked.configure_pairing("no_input_no_output")
    peer_asks(dut, expect, linked)
    assert auth_complete(dut) == 0
    restart(dut, esp_rig)
    expect.ok(dut.cmd("AT+BLEINIT=1"), "AT+BLEINIT", "set")
    assert bonded_list(dut, expect) == [(0, linked.address.lower())]
    expect.error(dut.cmd("AT+BLEENCCLEAR=1"))
    expect.ok(dut.cmd("AT+BLEENCCLEAR=0"), "AT+BLEENCCLEAR", "set")
    assert bonded_list(dut, expect) == []


@pytest.mark.form("AT+BLEENCCLEAR", "execute")
def test_encclear_removes_every_bond(dut, expect, linked) -> None:
    """AT+BLEENCCLEAR (3.4.39 execute: "Remove all devices from the security database")."""
    expect.ok(dut.cmd(f"AT+BLESECPARAM={BOND},{NO_IO},16,3,3"), "AT+BLESECPARAM", "set")
    linked.configure_pairing("no_input_no_output")
    peer_asks(dut, expect, linked)
    assert auth_complete(dut) == 0
    assert len(bonded_list(dut, expect)) == 1
    expect.ok(dut.cmd("AT+BLEENCCLEAR"), "AT+BLEENCCLEAR", "execute")
    assert bonded_list(dut, expect) == []


@pytest.mark.parametrize(
    "text",
    ["AT+BLEENC=0,3", "AT+BLEENCRSP=0,1", "AT+BLEKEYREPLY=0,123456", "AT+BLECONFREPLY=0,1"],
)
def test_refused_without_a_connection(dut, expect, text) -> None:
    """3.4.34 note: "Before running this command, please set the security parameters and connection with
    remote devices": with no connection <conn_index> 0 names nothing."""
    expect.ok(dut.cmd("AT+BLEINIT=2"), "AT+BLEINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.parametrize(
    "text",
    [
        "AT+BLESECPARAM?",
        "AT+BLESECPARAM=1,4,16,3,3",
        "AT+BLEENC=0,3",
        "AT+BLEENCDEV?",
        "AT+BLEENCCLEAR",
        "AT+BLESETKEY=123456",
        "AT+BLESETKEY?",
    ],
)
def test_security_refused_before_bleinit(dut, expect, text) -> None:
    """3.4.2 notes: AT+BLEINIT first."""
    expect.error(dut.cmd(text))
