"""3.5.16-3.5.21 security: AT+BTSECPARAM (the guide's example read back, invalid values), AT+BTKEYREPLY
(4.10.3: the board is KeyboardOnly, the peer displays the passkey, the key typed into the board pairs them;
a wrong key does not), AT+BTSECCFM (both DisplayYesNo: accepting pairs, rejecting does not), AT+BTPINREPLY
(its parameters), AT+BTENCDEV? (the bonded peer's row, kept across a restart) and AT+BTENCCLEAR (one row,
then all). The peer's side: how its pairing ended and whether its link is encrypted (servers/bt_peer.py).

Legacy pairing (a fixed or typed PIN) needs a peer without Secure Simple Pairing, which the air's bumble
controller does not model: AT+BTPINREPLY's OK is checked, not a PIN reaching a pairing (suites/bt/README.md).
"""

from __future__ import annotations

import pytest

from rigs.at.events import Ready
from suites.bt.helpers import WAIT, Background, quoted, report, slave_ready

pytestmark = [pytest.mark.bt, pytest.mark.requires("bt"), pytest.mark.usefixtures("fresh_board")]


def bonds(dut, expect) -> list[str]:
    """The addresses AT+BTENCDEV? lists, in <enc_dev_index> order (checked against the form's template)."""
    m = expect.ok(dut.cmd("AT+BTENCDEV?"), "AT+BTENCDEV", "query")
    indexes = m.all("enc_dev_index")
    assert indexes == list(range(len(indexes))), indexes
    return [quoted(a) for a in m.all("mac_address")]


def pair_just_works(dut, expect, peer, address: str) -> None:
    """The peer connects with pairing (both NoInputNoOutput: Just Works) and the board reports it."""
    job = Background(peer.connect_spp, address, pair=True)
    report(dut, "bt_spp_conn")
    job.result()
    assert peer.wait_pairing().ok


@pytest.mark.form("AT+BTSECPARAM", "query")
@pytest.mark.form("AT+BTSECPARAM", "set")
def test_btsecparam_example_read_back(dut, expect) -> None:
    """AT+BTSECPARAM=3,1,"9527" (3.5.16 example, 4.10.1) read back field by field; 4.10.3's KeyboardOnly
    with a variable PIN too; <io_cap> 4, <pin_type> 2 and a 17-byte PIN ("Maximum: 16 bytes") are refused
    and the parameters stay."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd('AT+BTSECPARAM=3,1,"9527"'), "AT+BTSECPARAM", "set")
    m = expect.ok(dut.cmd("AT+BTSECPARAM?"), "AT+BTSECPARAM", "query")
    assert (m["io_cap"], m["pin_type"], quoted(m["pin_code"])) == (3, 1, "9527")
    expect.ok(dut.cmd('AT+BTSECPARAM=2,0,"9527"'), "AT+BTSECPARAM", "set")
    for bad in ('AT+BTSECPARAM=4,1,"9527"', 'AT+BTSECPARAM=3,2,"9527"', f'AT+BTSECPARAM=3,1,"{"9" * 17}"'):
        expect.error(dut.cmd(bad))
    m = expect.ok(dut.cmd("AT+BTSECPARAM?"), "AT+BTSECPARAM", "query")
    assert (m["io_cap"], m["pin_type"]) == (2, 0)


@pytest.mark.form("AT+BTKEYREPLY", "set")
@pytest.mark.form("AT+BTENCDEV", "query")
def test_btkeyreply_passkey_from_the_peer(dut, expect, esp_bt_peer) -> None:
    """4.10.3: the board KeyboardOnly (AT+BTSECPARAM=2,0,"9527"), the peer a phone that displays the
    passkey; AT+BTKEYREPLY=0,<the peer's passkey>: OK, the pairing succeeds on the peer, the link is
    encrypted, the board reports +BTSPPCONN:0,"<peer>" and lists the peer in AT+BTENCDEV?."""
    address = slave_ready(dut, expect, esp_bt_peer, io_cap=2, pin_type=0)
    assert bonds(dut, expect) == []
    esp_bt_peer.io_cap = 0  # DisplayOnly
    job = Background(esp_bt_peer.connect_spp, address, pair=True)
    key = esp_bt_peer.wait_displayed()
    expect.ok(dut.cmd(f"AT+BTKEYREPLY=0,{key}"), "AT+BTKEYREPLY", "set")
    assert esp_bt_peer.wait_pairing().ok
    ev = report(dut, "bt_spp_conn")
    job.result()
    assert quoted(ev.fields[1]) == esp_bt_peer.address
    assert esp_bt_peer.encrypted()
    assert bonds(dut, expect) == [esp_bt_peer.address]


@pytest.mark.form("AT+BTKEYREPLY", "set")
def test_btkeyreply_wrong_key_fails(dut, expect, esp_bt_peer) -> None:
    """A key other than the displayed one: OK to the command, the pairing fails on the peer, no
    connection is reported and nothing is bonded."""
    address = slave_ready(dut, expect, esp_bt_peer, io_cap=2, pin_type=0)
    esp_bt_peer.io_cap = 0
    job = Background(esp_bt_peer.connect_spp, address, pair=True)
    key = esp_bt_peer.wait_displayed()
    expect.ok(dut.cmd(f"AT+BTKEYREPLY=0,{(key + 1) % 1000000}"), "AT+BTKEYREPLY", "set")
    assert not esp_bt_peer.wait_pairing().ok
    with pytest.raises(Exception):  # noqa: B017 - bumble raises the HCI authentication failure
        job.result()
    assert "+BTSPPCONN:-1" in dut.cmd("AT+BTSPPCONN?").assert_ok().lines
    assert bonds(dut, expect) == []


@pytest.mark.form("AT+BTSECCFM", "set")
@pytest.mark.parametrize("accept", [1, 0], ids=["accept", "reject"])
def test_btseccfm_confirms_the_comparison(dut, expect, esp_bt_peer, accept) -> None:
    """Both sides DisplayYesNo (numeric comparison): the board waits for the user; AT+BTSECCFM=0,1 pairs
    them (the peer's pairing succeeds, the connection is reported), AT+BTSECCFM=0,0 rejects (it fails)."""
    address = slave_ready(dut, expect, esp_bt_peer, io_cap=1, pin_type=0)
    esp_bt_peer.io_cap = 1
    job = Background(esp_bt_peer.connect_spp, address, pair=True)
    esp_bt_peer.wait_displayed()  # the peer shows the number the user compares
    expect.ok(dut.cmd(f"AT+BTSECCFM=0,{accept}"), "AT+BTSECCFM", "set")
    assert esp_bt_peer.wait_pairing().ok == bool(accept)
    if accept:
        report(dut, "bt_spp_conn")
        job.result()
        assert bonds(dut, expect) == [esp_bt_peer.address]
    else:
        with pytest.raises(Exception):  # noqa: B017 - bumble raises the HCI authentication failure
            job.result()
        assert bonds(dut, expect) == []


@pytest.mark.form("AT+BTPINREPLY", "set")
def test_btpinreply_parameters(dut, expect) -> None:
    """AT+BTPINREPLY=0,"6688" (3.5.18 example): OK; <conn_index> other than 0 (only 0 is supported), a PIN
    over 16 bytes (3.5.16's maximum) and a missing PIN: ERROR."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.ok(dut.cmd('AT+BTPINREPLY=0,"6688"'), "AT+BTPINREPLY", "set")
    for bad in ('AT+BTPINREPLY=1,"6688"', f'AT+BTPINREPLY=0,"{"6" * 17}"', "AT+BTPINREPLY=0"):
        expect.error(dut.cmd(bad))


@pytest.mark.parametrize(
    "text", ["AT+BTKEYREPLY=1,123456", "AT+BTKEYREPLY=0,1000000", "AT+BTSECCFM=0,2", "AT+BTSECCFM=1,1"]
)
def test_replies_invalid(dut, expect, text) -> None:
    """<conn_index> other than 0, a key of more than six digits, <accept> outside 0/1: ERROR."""
    expect.ok(dut.cmd("AT+BTINIT=1"), "AT+BTINIT", "set")
    expect.error(dut.cmd(text))


@pytest.mark.form("AT+BTENCDEV", "query")
@pytest.mark.form("AT+BTENCCLEAR", "set")
@pytest.mark.form("AT+BTENCCLEAR", "execute")
def test_bonds_kept_and_cleared(dut, expect, esp_bt_peer) -> None:
    """A Just Works pairing bonds the peer: AT+BTENCDEV? lists it (4.10.6), also after AT+RST (the stack
    keeps its bonds in flash); AT+BTENCCLEAR=0 removes it; bonded again, AT+BTENCCLEAR removes all; with
    none left, AT+BTENCCLEAR=0 is refused (no device has index 0)."""
    address = slave_ready(dut, expect, esp_bt_peer)
    pair_just_works(dut, expect, esp_bt_peer, address)
    assert bonds(dut, expect) == [esp_bt_peer.address]
    esp_bt_peer.disconnect()
    report(dut, "bt_spp_disconn")
    dut.cmd("AT+RST").assert_ok()
    dut.expect_urc(lambda e: isinstance(e, Ready), WAIT)
    address = slave_ready(dut, expect, esp_bt_peer)
    assert bonds(dut, expect) == [esp_bt_peer.address]
    expect.ok(dut.cmd("AT+BTENCCLEAR=0"), "AT+BTENCCLEAR", "set")
    assert bonds(dut, expect) == []
    esp_bt_peer.forget_bonds()
    pair_just_works(dut, expect, esp_bt_peer, address)
    assert bonds(dut, expect) == [esp_bt_peer.address]
    expect.ok(dut.cmd("AT+BTENCCLEAR"), "AT+BTENCCLEAR", "execute")
    assert bonds(dut, expect) == []
    expect.error(dut.cmd("AT+BTENCCLEAR=0"))
