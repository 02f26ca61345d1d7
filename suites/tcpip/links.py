"""Helpers of the TCP/IP suite (3.3): opening links to the host-side peers and reading what they saw.

Plain functions over an AT session and servers/ peers, no pytest: the tests stay readable and every
expected value comes from the guide, the rig or the peer's own record.
"""

from __future__ import annotations

import hashlib
import time

from fixtures.suite import Expect, response_lines, restore_defaults
from rigs.at.events import Final, Ipd
from rigs.at.response import Response
from rigs.at.session import AtSession
from rigs.model import Rig
from servers.record import PeerRecord
from servers.tcp import TcpServer

#: Generous waits for a loaded 2-core machine; they only bound a hang.
PEER_WAIT = 10.0


def takes_link_id(expect: Expect, command: str) -> bool:
    """Whether the judged release's guide gives ``command`` a <link ID> (issue 19): the per-link passive mode
    of 3.3.34 (AT+CIPRECVMODE=<link ID>,<mode>, one query row per link) against v3.2.0.0's
    AT+CIPRECVMODE=<mode>, one setting answered "+CIPRECVMODE:<mode>" (its TCP-IP_AT_Commands.rst:2090,
    :2100)."""
    return any(p.name in ("link ID", "link_id") for p in expect.spec.command(command).params)


def connect_timeout(rig: Rig) -> float:
    return rig.targets.timeouts.connect


def host(rig: Rig) -> str:
    return str(rig.network.host_address)


def start_tcp(
    dut: AtSession,
    rig: Rig,
    server: TcpServer,
    link_id: int | None = None,
    kind: str = "TCP",
    extra: str = "",
) -> tuple[Response, PeerRecord]:
    """AT+CIPSTART to ``server`` (3.3.5); returns the response and the peer's record of the connection."""
    before = len(server.records)
    prefix = f"{link_id}," if link_id is not None else ""
    r = dut.cmd(f'AT+CIPSTART={prefix}"{kind}","{host(rig)}",{server.port}{extra}', connect_timeout(rig))
    r.assert_ok()
    record = server.records.wait_for(before + 1, PEER_WAIT)[before]
    return r, record


def send(
    dut: AtSession,
    rig: Rig,
    data: bytes,
    link_id: int | None = None,
    command: str = "AT+CIPSEND",
    extra: str = "",
) -> Response:
    """AT+CIPSEND[=<link ID>,]<length> (3.3.8): OK and ``>``, then the data, then the verdict."""
    prefix = f"{link_id}," if link_id is not None else ""
    prompt = dut.cmd(f"{command}={prefix}{len(data)}{extra}", rig.targets.timeouts.command)
    assert prompt.prompt, f"{prompt.command!r}: expected OK and the '>' prompt, got {prompt.text!r}"
    return dut.send_data(data, connect_timeout(rig))


def assert_arrived(record: PeerRecord, data: bytes, offset: int = 0) -> None:
    """The peer received exactly ``data`` after ``offset`` bytes: length and SHA-256 compared."""
    record.wait_bytes_in(offset + len(data), PEER_WAIT)
    time.sleep(0.05)  # anything beyond the expected bytes would be a fault too: let it show
    got = record.received()[offset:]
    assert len(got) == len(data) and hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), (
        f"the peer received {len(got)} bytes (sha256 {hashlib.sha256(got).hexdigest()[:16]}), expected "
        f"{len(data)} bytes (sha256 {hashlib.sha256(data).hexdigest()[:16]}); first bytes {got[:40]!r}"
    )


def ipd_after_final(resp: Response) -> None:
    """3.3.8: SEND OK comes before any +IPD the sent data caused: no +IPD precedes the verdict."""
    for ev in resp.events:
        if isinstance(ev, Final):
            return
        assert not isinstance(ev, Ipd), f"{resp.command!r}: +IPD arrived before the verdict: {resp.text!r}"


def query_values(resp: Response, prefix: str) -> list[str]:
    """The comma-separated fields of the first line starting with ``prefix``."""
    for line in resp.lines:
        if line.startswith(prefix):
            return line[len(prefix) :].split(",")
    raise AssertionError(f"{resp.command!r}: no line starting with {prefix!r} in {resp.lines}")


def back_to_factory(dut: AtSession, rig: Rig) -> None:
    """After a test: command mode (a send the test left waiting for data is filled up by sync), then
    factory settings, so the next test starts from the defaults whatever this one left."""
    dut.sync(timeout=rig.targets.timeouts.ready, leave_passthrough=dut.codec.in_passthrough)
    restore_defaults(dut, rig)


def provision(dut: AtSession, rig: Rig, items: list, expect: Expect) -> None:  # list[servers.pki.SysmfgItem]
    """Write certificates into the board's mfg_nvs (3.1.18 AT+SYSMFG write: OK, ``>``, the value, OK). A
    release whose guide has no AT+SYSMFG (v2.4.0.0 and older write the PKI partitions as AtPKI bins with
    AT+SYSFLASH, How_to_generate_pki_files.rst, which these tests do not do yet) skips, naming it."""
    expect.require_command("AT+SYSMFG")
    for item in items:
        prompt = dut.cmd(item.command, rig.targets.timeouts.command)
        assert prompt.prompt, f"{item.command}: expected the '>' prompt, got {prompt.text!r}"
        dut.send_data(item.value, rig.targets.timeouts.command).assert_ok()


def ok_with_reports(expect: Expect, resp: Response, command: str, kind: str, variant: str | None = None):
    """Like ``expect.ok`` for forms whose response block holds a report with a link ID (``<link ID>,CONNECT``
    of 3.3.5, ``<link ID>,CLOSED`` of 3.3.12): every report that came during the command is part of the
    response (these tests start nothing else that could report meanwhile). Records a ``response`` check of
    the form (fixtures/checks.py), matched or not, as ``expect.ok`` does."""
    from fixtures.checks import checking
    from fixtures.suite import LENIENT

    with checking(expect.key(command, kind, variant), "response", "ok_with_reports"):
        if not resp.ok:
            raise AssertionError(f"{resp.command!r}: expected OK, got {resp.final!r}: {resp.text!r}")
        template = expect.template(command, kind, variant)
        return template.match(response_lines(resp, reports=lambda text: True), LENIENT)


def server_port(board_ip: str, bench_port: int = 40334) -> int:
    """A free port for the board's server on the host's view of the board's address (3.3.16); on a bench the
    address is not the host's, and ``bench_port`` is used."""
    import socket

    with socket.socket() as s:
        try:
            s.bind((board_ip, 0))
        except OSError:
            return bench_port
        return s.getsockname()[1]


def cipstate_rows(dut: AtSession, expect: Expect) -> list[dict]:
    """The rows of AT+CIPSTATE? (3.3.3) matched with expect.ok; none when the guide's OK-alone block (no
    connection) matched."""
    m = expect.ok(dut.cmd("AT+CIPSTATE?"), "AT+CIPSTATE", "query")
    try:
        return m.rows("+CIPSTATE:")
    except KeyError:  # the template line of the rows is not in the alternative that matched
        return []
