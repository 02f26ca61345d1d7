"""The TCP/IP group's message formats (3.3, 3.17): ``+IPD``, ``+CIPRECVDATA``, ``CONNECT``/``CLOSED``,
``+LINK_CONN``, ``+CIPSTATE``. One function per format, used by every command that prints it."""

from __future__ import annotations

from dataclasses import dataclass

#: 3.3 AT+CIPRECVTYPE: at most this many payload bytes per active-mode ``+IPD``.
IPD_MAX = 2920


@dataclass(frozen=True)
class Remote:
    ip: str
    port: int


def ipd_data(mux: bool, link_id: int, payload: bytes, remote: Remote | None) -> bytes:
    """Active mode (3.17): ``+IPD,[<link_id>,]<len>[,"<ip>",<port>]:<data>`` (``remote`` when AT+CIPDINFO=1).

    A CR LF comes before the header, none after the data (the length frames it): real boards print an empty
    line between OK and +IPD, and back-to-back +IPD on their own lines (esp-at issues 76, 120)."""
    head = b"\r\n+IPD,"
    if mux:
        head += b"%d," % link_id
    head += b"%d" % len(payload)
    if remote is not None:
        head += b',"%s",%d' % (remote.ip.encode(), remote.port)
    return head + b":" + payload


def ipd_notice(mux: bool, link_id: int, length: int) -> bytes:
    """Passive mode (3.17): ``+IPD,[<link_id>,]<len>``, the total buffered length, no data; framed with a CR
    LF before it as the active form is (esp-at issue 731: SEND OK, an empty line, +IPD,0,654)."""
    return (b"\r\n+IPD,%d,%d\r\n" % (link_id, length)) if mux else (b"\r\n+IPD,%d\r\n" % length)


def recvdata(payload: bytes, remote: Remote | None) -> bytes:
    """AT+CIPRECVDATA's response line: ``+CIPRECVDATA:<len>[,"<ip>",<port>],<data>``, nothing after the data:
    the CR LF that follows is the one that frames OK (3.3.35 shows <data> then OK; esp-at issues 280, 451)."""
    head = b"+CIPRECVDATA:%d" % len(payload)
    if remote is not None:
        head += b',"%s",%d' % (remote.ip.encode(), remote.port)
    return head + b"," + payload


def connect_line(mux: bool, link_id: int) -> str:
    return f"{link_id},CONNECT" if mux else "CONNECT"


def closed_line(mux: bool, link_id: int) -> str:
    return f"{link_id},CLOSED" if mux else "CLOSED"


def link_conn_line(
    *, failed: bool, link_id: int, kind: str, server: bool, remote: Remote, local_port: int
) -> str:
    """AT+SYSMSG bit 1 (3.1): ``+LINK_CONN:<status_type>,<link_id>,"<type>",<c/s>,"<ip>",<port>,<local>``.

    status_type 0 is a successful connection, 1 a failed one; c/s is 0 when the board is the client."""
    return (
        f'+LINK_CONN:{int(failed)},{link_id},"{kind}",{int(server)},"{remote.ip}",{remote.port},{local_port}'
    )


def cipstate_line(link_id: int, kind: str, remote: Remote, local_port: int, server: bool) -> str:
    """3.3.2: ``+CIPSTATE:<link ID>,<"type">,<"remote IP">,<remote port>,<local port>,<tetype>``."""
    return f'+CIPSTATE:{link_id},"{kind}","{remote.ip}",{remote.port},{local_port},{int(server)}'
