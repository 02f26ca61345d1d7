"""Link and UART limits on a real simulator process: passthrough at 5,000,000 baud loses nothing in either
direction (a fast peer is held back by TCP, not dropped), and a link whose peer stops reading ends the send
with SEND FAIL after AT+CIPTCPOPT's <so_sndtimeo> while the board keeps answering."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

from tests.sim.netrig import joined_board, texts


def test_passthrough_at_5_mbaud_loses_nothing(tmp_path: Path) -> None:
    size = 2 << 20
    down, up = os.urandom(size), os.urandom(size)
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(5)
    with joined_board(tmp_path, baud=5_000_000) as (dut, _ip):
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        received = hashlib.sha256()
        count = 0

        def sink() -> None:
            nonlocal count
            conn.settimeout(30)
            while count < size:
                data = conn.recv(65536)
                if not data:
                    return
                received.update(data)
                count += len(data)

        with dut.passthrough(set_mode=True) as pt:
            sender = threading.Thread(target=conn.sendall, args=(down,), daemon=True)
            sender.start()  # the peer pushes 2 MiB as fast as loopback goes: 4 s of line time
            got = bytearray()
            deadline = time.monotonic() + 60
            while len(got) < size and time.monotonic() < deadline:
                got += pt.read(size - len(got), timeout=5)
            assert bytes(got) == down
            reader = threading.Thread(target=sink, daemon=True)
            reader.start()
            pt.write(up)
            reader.join(60)
        assert count == size and received.digest() == hashlib.sha256(up).digest()
        dut.cmd("AT+CIPMODE=0").assert_ok()
    conn.close()
    srv.close()


def test_peer_that_stops_reading_gives_send_fail(tmp_path: Path) -> None:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, never drained
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(5)
    with joined_board(tmp_path, baud=2_000_000) as (dut, _ip):
        dut.cmd("AT+CIPTCPOPT=-1,0,500,0").assert_ok()  # <so_sndtimeo> 500 ms (3.3.40)
        assert "+CIPTCPOPT:0,-1,0,500,0" in texts(dut.cmd("AT+CIPTCPOPT?").assert_ok())
        dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]}', timeout=10).assert_ok()
        conn, _ = srv.accept()
        block = os.urandom(8192)
        verdicts = []
        for _ in range(400):
            assert dut.cmd("AT+CIPSEND=8192").prompt
            r = dut.send_data(block, timeout=10)
            verdicts.append(r.final)
            if r.final != "SEND OK":
                break
        assert verdicts[-1] == "SEND FAIL" and set(verdicts[:-1]) <= {"SEND OK"}
        dut.cmd("AT").assert_ok()
        conn.close()
        dut.expect_urc("CLOSED", timeout=10)
        dut.cmd("AT").assert_ok()
    srv.close()


def test_server_that_never_answers_times_out(tmp_path: Path) -> None:
    """A TCP server whose accept queue is full drops the SYN: AT+CIPSTART's <timeout> ends the wait with
    ERROR and +ERRNO:116 (ETIMEDOUT), and the board goes on answering (3.3.5)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    filler = socket.create_connection(srv.getsockname(), timeout=5)  # takes the only backlog slot
    with joined_board(tmp_path) as (dut, _ip):
        dut.cmd("AT+SYSLOG=1").assert_ok()
        t0 = time.monotonic()
        r = dut.cmd(f'AT+CIPSTART="TCP","127.0.0.1",{srv.getsockname()[1]},0,,1500', timeout=10)
        assert r.final == "ERROR" and "+ERRNO:116" in texts(r)
        assert 1.0 < time.monotonic() - t0 < 8
        dut.cmd("AT").assert_ok()
    filler.close()
    srv.close()
