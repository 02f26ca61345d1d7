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

    No CR LF follows the data: the length frames it."""
    head = b"+IPD,"
    if mux:
        head += b"%d," % link_id
    head += b"%d" % len(payload)
    if remote is not None:
        head += b',"%s",%d' % (remote.ip.encode(), remote.port)
    return head + b":" + payload


def ipd_notice(mux: bool, link_id: int, length: int) -> str:
    """Passive mode (3.17): ``+IPD,[<link_id>,]<len>``, the total buffered length, no data."""
    return f"+IPD,{link_id},{length}" if mux else f"+IPD,{length}"


def recvdata(payload: bytes, remote: Remote | None) -> bytes:
    """AT+CIPRECVDATA's response line: ``+CIPRECVDATA:<len>[,"<ip>",<port>],<data>`` + CR LF."""
    head = b"+CIPRECVDATA:%d" % len(payload)
    if remote is not None:
        head += b',"%s",%d' % (remote.ip.encode(), remote.port)
    return head + b"," + payload + b"\r\n"


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
