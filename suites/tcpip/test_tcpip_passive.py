"""3.3.34-3.3.36 passive receive mode: AT+CIPRECVMODE (AT+CIPRECVTYPE), AT+CIPRECVLEN, AT+CIPRECVDATA, the
passive +IPD notices of 3.17, and the receive window (data held at the peer until the host reads it)."""

from __future__ import annotations

import hashlib
import threading

import pytest

from rigs.at.events import Ipd, RecvData
from servers.behaviours import Sink
from servers.tcp import TcpServer
from spec.messages import ipd_form
from suites.tcpip.links import back_to_factory, host, start_tcp, takes_link_id

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def clean(dut, esp_rig, joined):
    yield
    back_to_factory(dut, esp_rig)


@pytest.fixture
def sink(esp_peer_factory, esp_rig):
    return esp_peer_factory(TcpServer(Sink(), host(esp_rig)))


def _recvdata(dut, expect, line: str) -> RecvData:
    r = dut.cmd(line)
    expect.ok(r, "AT+CIPRECVDATA", "set")
    frames = [e for e in r.events if isinstance(e, RecvData)]
    assert len(frames) == 1, f"{line}: expected one +CIPRECVDATA:<actual_len>,<data>, got {r.text!r}"
    return frames[0]


@pytest.mark.form("AT+CIPRECVMODE", "set")
@pytest.mark.form("AT+CIPRECVLEN", "query")
@pytest.mark.form("AT+CIPRECVDATA", "set")
@pytest.mark.parametrize("mux", [0, 1], ids=["single", "multiple"])
def test_passive_receive(dut, expect, esp_rig, sink, mux) -> None:
    """Passive mode: the notice carries the length only (+IPD,[<link_id>,]<len>, 3.17); AT+CIPRECVLEN?
    reports the buffered length; AT+CIPRECVDATA hands out exactly the bytes, in two reads."""
    dut.cmd(f"AT+CIPMUX={mux}").assert_ok()
    link = 0 if mux else None
    _, record = start_tcp(dut, esp_rig, sink, link_id=link)
    per_link = mux and takes_link_id(expect, "AT+CIPRECVMODE")  # v3.2.0.0: one setting for all links
    expect.ok(dut.cmd("AT+CIPRECVMODE=0,1" if per_link else "AT+CIPRECVMODE=1"), "AT+CIPRECVMODE", "set")
    data = hashlib.sha256(b"passive").digest() * 3 + b"\r\nOK\r\n"  # 102 bytes
    sink.send(record, data)
    ipd = dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    form = ipd_form(mux, 1)
    text = ipd.raw.decode("latin-1").strip("\r\n")
    assert isinstance(ipd, Ipd) and form.regex.fullmatch(text), f"expected {form.template!r}, got {text!r}"
    assert ipd.payload is None and ipd.length == len(data)
    m = expect.ok(dut.cmd("AT+CIPRECVLEN?"), "AT+CIPRECVLEN", "query")
    assert m.all("data length of link")[0] == len(data), m.values
    prefix = "0," if mux else ""
    first = _recvdata(dut, expect, f"AT+CIPRECVDATA={prefix}40")
    assert (first.length, first.payload) == (40, data[:40])
    rest = _recvdata(dut, expect, f"AT+CIPRECVDATA={prefix}1000")
    assert (rest.length, rest.payload) == (len(data) - 40, data[40:])


@pytest.mark.form("AT+CIPRECVMODE", "query")
def test_recvmode_query_after_set(dut, expect) -> None:
    """3.3.34: the single connection's mode is reported as link 0 (a release without <link ID>, v3.2.0.0,
    reports the one mode)."""
    dut.cmd("AT+CIPRECVMODE=1").assert_ok()
    rows = expect.ok(dut.cmd("AT+CIPRECVMODE?"), "AT+CIPRECVMODE", "query").rows(0)
    if takes_link_id(expect, "AT+CIPRECVMODE"):
        assert (rows[0]["link ID"], rows[0]["mode"]) == (0, 1), rows
    else:
        assert [row["mode"] for row in rows] == [1], rows


@pytest.mark.form("AT+CIPRECVDATA", "set")
def test_recvdata_with_remote_info(dut, expect, esp_rig, sink) -> None:
    """With AT+CIPDINFO=1, +CIPRECVDATA carries the remote address and port (3.3.35, second format)."""
    dut.cmd("AT+CIPDINFO=1").assert_ok()
    _, record = start_tcp(dut, esp_rig, sink)
    dut.cmd("AT+CIPRECVMODE=1").assert_ok()
    sink.send(record, b"abc")
    dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    frame = _recvdata(dut, expect, "AT+CIPRECVDATA=3")
    assert (frame.remote_ip, frame.remote_port, frame.payload) == (host(esp_rig), sink.port, b"abc")


@pytest.mark.form("AT+CIPRECVDATA", "set")
def test_recvdata_without_data(dut, expect, esp_rig, sink) -> None:
    """Nothing buffered: AT+CIPRECVDATA is ERROR (3.3.35)."""
    start_tcp(dut, esp_rig, sink)
    dut.cmd("AT+CIPRECVMODE=1").assert_ok()
    expect.error(dut.cmd("AT+CIPRECVDATA=10"))


@pytest.mark.form("AT+CIPRECVDATA", "set")
def test_receive_window(dut, expect, esp_rig, sink) -> None:
    """More data than the board buffers: the rest waits at the peer (the TCP window) until AT+CIPRECVDATA
    reads; every byte arrives once, in order (SHA-256 of the whole)."""
    _, record = start_tcp(dut, esp_rig, sink)
    dut.cmd("AT+CIPRECVMODE=1").assert_ok()
    data = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(2048))  # 64 KiB
    sender = threading.Thread(target=sink.send, args=(record, data), daemon=True)
    sender.start()
    got = bytearray()
    dut.expect_urc("+IPD", esp_rig.targets.timeouts.connect)
    for _ in range(200):
        if len(got) >= len(data):
            break
        r = dut.cmd("AT+CIPRECVDATA=8192")
        frames = [e for e in r.events if isinstance(e, RecvData)]
        if frames:
            expect.ok(r, "AT+CIPRECVDATA", "set")
            got += frames[0].payload
    sender.join(esp_rig.targets.timeouts.connect)
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), (
        f"read {len(got)} of {len(data)} bytes through AT+CIPRECVDATA; content differs"
        if len(got) == len(data)
        else f"read {len(got)} of {len(data)} bytes through AT+CIPRECVDATA"
    )
