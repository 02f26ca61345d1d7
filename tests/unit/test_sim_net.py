"""sim/net: the TCP/IP group's pure logic (3.3): +++ timing, packetising, the passive window, formats."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.commands.tcpip_send import unescape_sendex
from sim.net import messages
from sim.net.messages import Remote
from sim.net.packets import Packetiser
from sim.net.passive import RECV_WINDOW, PassiveBuffer
from sim.net.plus import GUARD_S, PlusDetector
from sim.net.resolve import literal_address


def test_plus_alone_with_silence_around_it_exits() -> None:
    d = PlusDetector(now=0.0)
    assert d.feed(b"data", 0.0).data == b"data"
    r = d.feed(b"+++", 0.0 + GUARD_S + 0.005)
    assert r.data == b"" and not r.exit
    assert d.deadline is not None
    assert not d.poll(d.deadline - 0.001).exit  # the silence after it has not lasted yet
    assert d.poll(d.deadline + 0.001).exit


def test_plus_without_silence_before_is_data() -> None:
    d = PlusDetector(now=0.0)
    d.feed(b"x", 0.0)
    assert d.feed(b"+++", 0.005).data == b"+++"


def test_plus_followed_by_data_is_data() -> None:
    d = PlusDetector(now=0.0)
    assert d.feed(b"+++", 1.0).data == b""
    assert d.feed(b"y", 1.01).data == b"+++y"
    assert d.deadline is None


def test_plus_typed_one_by_one_within_the_gap() -> None:
    d = PlusDetector(now=0.0)
    for i, t in enumerate((1.0, 1.01, 1.02)):
        assert d.feed(b"+", t).data == b"", i
    assert d.poll(1.02 + GUARD_S + 0.001).exit


def test_plus_with_slow_typing_is_data() -> None:
    d = PlusDetector(now=0.0)
    d.feed(b"+", 1.0)
    assert d.poll(1.0 + GUARD_S + 0.001).data == b"+"  # the second '+' came too late to count
    assert d.feed(b"++", 1.2).data == b""
    assert d.poll(1.2 + GUARD_S + 0.001).data == b"++"  # two are not three


def test_packetiser_full_blocks_at_once_rest_after_the_interval() -> None:
    p = Packetiser(block=2920, interval_s=0.02)
    out = p.feed(b"a" * 7000, 0.0)
    assert [len(b) for b in out] == [2920, 2920]
    assert p.poll(0.01) == []
    assert p.poll(0.021) == [b"a" * 1160]
    assert p.deadline is None


@given(st.lists(st.binary(min_size=0, max_size=5000), max_size=10))
def test_packetiser_keeps_every_byte_in_order(chunks: list[bytes]) -> None:
    p = Packetiser(block=2920, interval_s=0.02)
    out = []
    t = 0.0
    for c in chunks:
        out += p.feed(c, t)
        t += 0.001
    out += p.poll(t + 1)
    assert b"".join(out) == b"".join(chunks)
    assert all(len(b) <= 2920 for b in out)


def test_passive_buffer_window_and_one_notice_until_read() -> None:
    b = PassiveBuffer()
    assert b.add(b"x" * 100, Remote("127.0.0.1", 1), datagram=False) == "notify"
    assert b.add(b"y" * 100, Remote("127.0.0.1", 1), datagram=False) is None
    assert b.read(150) == b"x" * 100 + b"y" * 50
    assert b.add(b"z", None, datagram=False) == "notify"  # after a read the next arrival is announced
    assert b.room == RECV_WINDOW - 51
    assert b.add(b"d" * RECV_WINDOW, None, datagram=True) is None
    assert b.dropped == RECV_WINDOW and len(b.data) == 51  # a datagram that does not fit is lost


def test_ipd_forms() -> None:
    # 3.17's six forms, each after the CR LF real boards put before +IPD (rigs/at/wire.py, ipd.framing)
    r = Remote("127.0.0.1", 5000)
    assert messages.ipd_data(False, 0, b"test", None) == b"\r\n+IPD,4:test"
    assert messages.ipd_data(True, 3, b"test", None) == b"\r\n+IPD,3,4:test"
    assert messages.ipd_data(False, 0, b"test", r) == b'\r\n+IPD,4,"127.0.0.1",5000:test'
    assert messages.ipd_data(True, 1, b"test", r) == b'\r\n+IPD,1,4,"127.0.0.1",5000:test'
    assert messages.ipd_notice(False, 0, 9) == b"\r\n+IPD,9\r\n"
    assert messages.ipd_notice(True, 2, 9) == b"\r\n+IPD,2,9\r\n"
    # 3.3.35: nothing after the data; the CR LF that follows frames OK
    assert messages.recvdata(b"ab", r) == b'+CIPRECVDATA:2,"127.0.0.1",5000,ab'


def test_sendex_escapes() -> None:
    assert unescape_sendex(bytearray(b"ab\\0rest"), 10) == (b"ab", 4, True)
    assert unescape_sendex(bytearray(b"a\\\\0b"), 3) == (b"a\\0", 4, True)
    assert unescape_sendex(bytearray(b"ab\\"), 5) == (b"ab", 2, False)  # waits for the escaped byte


def test_literal_addresses() -> None:
    assert literal_address("localhost") == "127.0.0.1"
    assert literal_address("127.64.0.10") == "127.64.0.10"
    assert literal_address("example.com") is None


def test_board_errno_translates_host_errors() -> None:
    import errno
    import ssl

    from sim.net import errnos

    assert errnos.board_errno(ConnectionRefusedError(errno.ECONNREFUSED, "refused")) == 111
    assert errnos.board_errno(ConnectionResetError(errno.ECONNRESET, "reset")) == 104
    assert errnos.board_errno(TimeoutError()) == 116  # newlib's ETIMEDOUT, not Linux's 110
    assert errnos.board_errno(ssl.SSLCertVerificationError("bad cert")) == -0x2700
