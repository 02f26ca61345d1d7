"""3.9 WebSocket client on a LoopbackBoard against servers/ws.py: absent from the default build; on the
WebSocket build, open, send with opcodes, receive, close from either side."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable

from servers.ws import WsServer
from sim.loopback import LoopbackBoard
from sim.profile import Commands, Profile, load_profile

OK = "\r\nOK\r\n"
ERROR = "\r\nERROR\r\n"


def ws_profile() -> Profile:
    """The default profile of a build with "AT WebSocket command support" switched on (3.9 introduction)."""
    return dataclasses.replace(load_profile(), commands=Commands(disabled=["AT+CWJEAP"]))


def run(body: Callable[[LoopbackBoard], Awaitable[None]], profile: Profile | None = None) -> None:
    async def main() -> None:
        async with LoopbackBoard.start(profile=profile) as lb:
            assert (await lb.command("ATE0")).endswith(b"OK\r\n")
            lb.out.clear()
            await body(lb)

    asyncio.run(main())


async def cmd(lb: LoopbackBoard, line: str, timeout: float = 5.0) -> bytes:
    lb.out.clear()
    return await lb.command(line, timeout=timeout)


async def send(lb: LoopbackBoard, link: int, data: bytes, opcode: int | None = None) -> bytes:
    lb.out.clear()
    tail = f",{opcode}" if opcode is not None else ""
    lb.send(f"AT+WSSEND={link},{len(data)}{tail}\r\n".encode())
    await lb.wait_for(b"OK\r\n\r\n>")
    lb.out.clear()
    lb.send(data)
    return await lb.wait_for(re.compile(rb"\r\n(SEND OK|ERROR)\r\n"))


def test_ws_absent_from_the_default_firmware() -> None:
    async def body(lb: LoopbackBoard) -> None:
        await cmd(lb, "AT+SYSLOG=1")
        for line in ("AT+WSOPEN?", "AT+WSCLOSE=0", "AT+WSCFG=0,10,120"):
            assert (await cmd(lb, line)).decode() == "ERR CODE:0x01090000\r\n" + ERROR

    run(body)


def test_open_send_receive_close() -> None:
    server = WsServer().start()
    try:

        async def body(lb: LoopbackBoard) -> None:
            assert (await cmd(lb, "AT+WSCFG=0,30,60,4096")).decode() == OK
            assert (await cmd(lb, "AT+WSHEAD=15")).endswith(b"\r\n>")
            lb.out.clear()
            lb.send(b"X-Test: value-1")
            await lb.wait_for(b"\r\nOK\r\n")
            assert (await cmd(lb, "AT+WSHEAD?")).decode() == '+WSHEAD:0,"X-Test: value-1"\r\n' + OK
            url = server.url("/")
            assert (await cmd(lb, f'AT+WSOPEN=0,"{url}","chat"', 10)).decode() == "+WS_CONNECTED:0\r\n" + OK
            assert (await cmd(lb, "AT+WSOPEN?")).decode() == f'+WSOPEN:0,2,"{url}"\r\n' + OK
            session = (await asyncio.to_thread(server.wait_sessions, 1))[0]
            assert session.header("X-Test") == "value-1"
            assert session.offered_subprotocols == ["chat"]
            assert (await send(lb, 0, b"test")).endswith(b"\r\nSEND OK\r\n")
            # the echo server answers with the same opcode: +WS_DATA framed by its length
            echoed = await lb.wait_for(b"+WS_DATA:0,4,test\r\n")
            assert echoed.endswith(b"+WS_DATA:0,4,test\r\n")
            binary = b"\x00\r\nOK\r\n\xff"
            lb.out.clear()
            assert (await send(lb, 0, binary, 2)).endswith(b"\r\nSEND OK\r\n")
            await lb.wait_for(b"+WS_DATA:0,%d," % len(binary) + binary + b"\r\n")
            assert (await send(lb, 0, b"ping!", 9)).endswith(b"\r\nSEND OK\r\n")
            await asyncio.sleep(0.2)
            assert [(f.opcode, f.data) for f in session.frames_in] == [
                ("TEXT", b"test"),
                ("BINARY", binary),
                ("PING", b"ping!"),
            ]
            assert (await cmd(lb, "AT+WSCLOSE=0")).decode() == "+WS_CLOSED:0\r\n" + OK
            assert (await cmd(lb, "AT+WSOPEN?")).decode() == OK
            assert (await cmd(lb, "AT+WSSEND=0,4")).decode() == ERROR

        run(body, ws_profile())
    finally:
        server.stop()


def test_server_close_reports_closed() -> None:
    server = WsServer().start()
    try:

        async def body(lb: LoopbackBoard) -> None:
            url = server.url("/close/1000?now=1")
            out = await cmd(lb, f'AT+WSOPEN=1,"{url}"', 10)
            assert out.startswith(b"+WS_CONNECTED:1\r\n")
            # The server closes at once: its close can be reported while AT+WSOPEN is still answering
            # (a report may come at any time, 3.17), so it is looked for in the response too.
            if b"+WS_CLOSED:1\r\n" not in out:
                await lb.wait_for(b"+WS_CLOSED:1\r\n")
            assert (await cmd(lb, "AT+WSOPEN?")).decode() == OK

        run(body, ws_profile())
    finally:
        server.stop()


def test_invalid() -> None:
    async def body(lb: LoopbackBoard) -> None:
        for line in (
            "AT+WSCFG=3,10,120",
            "AT+WSCFG=0,0,120",
            "AT+WSCFG=0,10,120,8193",
            'AT+WSOPEN=3,"ws://127.0.0.1:1/"',
            'AT+WSOPEN=0,"http://127.0.0.1:1/"',
            'AT+WSOPEN=0,"ws://127.0.0.1:1/",,100',
            "AT+WSSEND=0,4",
            "AT+WSCLOSE=0",
        ):
            assert (await cmd(lb, line)).endswith(b"\r\nERROR\r\n"), line

    run(body, ws_profile())


def test_wss_mutual_authentication(tmp_path) -> None:
    # 3.9.2 <auth_mode> 3: the board verifies the server with wss_ca and presents wss_cert/wss_key, all
    # from mfg_nvs (AT+SYSMFG namespaces of the rig's PKI).
    from servers.pki import EspPki
    from sim.partitions import MfgType, MfgValue

    pki = EspPki(tmp_path / "pki", extra_sans=("127.0.0.1",))
    server = WsServer(ssl_context=pki.server_context(require_client_cert=True)).start()
    try:

        async def body(lb: LoopbackBoard) -> None:
            for item in pki.sysmfg_items("wss"):
                lb.board.mfg.set(item.namespace, item.key, MfgValue(MfgType.BINARY, item.value))
            assert (await cmd(lb, "AT+WSCFG=0,10,120,1024,3,0,0")).decode() == OK
            url = server.url("/")
            assert url.startswith("wss://")
            assert (await cmd(lb, f'AT+WSOPEN=0,"{url}"', 10)).decode() == "+WS_CONNECTED:0\r\n" + OK
            session = (await asyncio.to_thread(server.wait_sessions, 1))[0]
            assert session.client_cert_subject is not None
            assert (await send(lb, 0, b"tls")).endswith(b"\r\nSEND OK\r\n")
            await lb.wait_for(b"+WS_DATA:0,3,tls\r\n")
            assert (await cmd(lb, "AT+WSCLOSE=0")).decode() == "+WS_CLOSED:0\r\n" + OK

        run(body, ws_profile())
    finally:
        server.stop()
