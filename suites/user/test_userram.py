"""3.14.2 AT+USERRAM: the user's RAM allocated, written, read back, cleared and released, as the guide's
examples do it (1 KB; 500 bytes at offset 0; 64 bytes from offset 100), with AT+USERRAM? following.

Where the guide says less than the firmware prints, the public handler (components/at/src/at_user_cmd.c,
tag v5.0.0.0) is the evidence: a write ends in ``WRITE OK`` after the data (not OK), a read prints
``+USERRAM:<length>,<data>`` with nothing after the data and a read longer than 1024 bytes comes in pieces
(3.14.2 note), and every refusal is a plain ERROR (ERR CODE 0x010a0000: spec/err_provenance.yaml
user-plain-error)."""

from __future__ import annotations

import pytest

from rigs.at.events import Line
from spec.err_provenance import load_provenance

pytestmark = [pytest.mark.user, pytest.mark.usefixtures("fresh_board")]

#: spec/err_provenance.yaml: the public handler's refusals carry no parameter code
PLAIN = next(e for e in load_provenance() if e.id == "user-plain-error")
DATA = bytes((i * 7 + 3) % 251 for i in range(500))  # no CR LF pair needed: the read is length-framed


def refused(err_code, resp) -> None:
    err_code(resp, "ESP_AT_SUB_CMD_EXEC_FAIL", result=0, provenance=PLAIN)


def size(dut, expect) -> int:
    return int(str(expect.ok(dut.cmd("AT+USERRAM?"), "AT+USERRAM", "query")["size"]))


def payloads(resp) -> list[bytes]:
    """The bytes of each ``+USERRAM:<length>,<data>`` piece as they came (the matched text is decoded)."""
    return [ev.payload for ev in resp.events if isinstance(ev, Line) and ev.payload is not None]


def read(dut, expect, length: int, offset: int) -> bytes:
    resp = dut.cmd(f"AT+USERRAM=3,{length},{offset}")
    m = expect.ok(resp, "AT+USERRAM", "set")
    assert int(str(m["length"])) == length
    return b"".join(payloads(resp))


def write(dut, expect, data: bytes, offset: int = 0):
    prompt = dut.cmd(f"AT+USERRAM=2,{len(data)},{offset}")
    assert prompt.prompt, f"expected OK and '>' (3.14.2 note), got {prompt.text!r}"
    verdict = dut.send_data(data)
    # at_user_cmd.c v5.0.0.0, AT_USERRAM_WRITE: "\r\nWRITE OK\r\n" once the bytes are in
    expect.matches(verdict, "WRITE OK", "AT+USERRAM")
    return prompt


@pytest.fixture
def ram(dut, expect):
    """3.14.2 example: malloc 1 KB; released afterwards."""
    expect.matches(dut.cmd("AT+USERRAM=1,1024"), "OK", "AT+USERRAM")
    yield 1024
    dut.cmd("AT+USERRAM=0")


@pytest.mark.form("AT+USERRAM", "query")
@pytest.mark.form("AT+USERRAM", "set")
def test_malloc_write_read_as_the_guide_shows(dut, expect, ram) -> None:
    assert size(dut, expect) == ram
    write(dut, expect, DATA, 0)
    assert read(dut, expect, 64, 100) == DATA[100:164]


@pytest.mark.form("AT+USERRAM", "set")
def test_a_long_read_comes_in_pieces(dut, expect) -> None:
    """3.14.2 note: more than 1024 bytes come as several replies of at most 1024, then OK."""
    expect.matches(dut.cmd("AT+USERRAM=1,2048"), "OK", "AT+USERRAM")
    try:
        data = bytes(i % 256 for i in range(1500))
        write(dut, expect, data, 100)
        resp = dut.cmd("AT+USERRAM=3,1500,100")
        # the 3.14.2 line once per piece (the note), then OK
        m = expect.matches(resp, "+USERRAM:<length>,<data>\n+USERRAM:<length>,<data>\nOK", "AT+USERRAM")
        assert [int(str(n)) for n in m.all("length")] == [1024, 476]
        assert b"".join(payloads(resp)) == data
    finally:
        dut.cmd("AT+USERRAM=0")


@pytest.mark.form("AT+USERRAM", "set")
@pytest.mark.form("AT+USERRAM", "query")
def test_clear_then_release(dut, expect, ram) -> None:
    """Operation 4 zeroes the RAM; operation 0 releases it: AT+USERRAM? says 0 and a read is refused."""
    write(dut, expect, DATA[:10], 0)
    expect.matches(dut.cmd("AT+USERRAM=4"), "OK", "AT+USERRAM")
    assert read(dut, expect, 10, 0) == bytes(10)
    expect.matches(dut.cmd("AT+USERRAM=0"), "OK", "AT+USERRAM")
    assert size(dut, expect) == 0
    expect.error(dut.cmd("AT+USERRAM=3,10,0"))


@pytest.mark.form("AT+USERRAM", "set")
@pytest.mark.parametrize(
    "line",
    [
        pytest.param("AT+USERRAM=3,4,0", id="AT+USERRAM/set/read-before-malloc"),
        pytest.param("AT+USERRAM=4", id="AT+USERRAM/set/clear-before-malloc"),
        pytest.param("AT+USERRAM=0", id="AT+USERRAM/set/free-before-malloc"),
    ],
)
def test_malloc_comes_first(dut, err_code, line) -> None:
    """3.14.2 note: "Please malloc the RAM size before you perform any other operations"."""
    refused(err_code, dut.cmd(line))


@pytest.mark.form("AT+USERRAM", "set")
@pytest.mark.parametrize(
    "line",
    [
        pytest.param("AT+USERRAM=1,16", id="AT+USERRAM/set/second-malloc"),
        pytest.param("AT+USERRAM=3,1,1024", id="AT+USERRAM/set/read-past-the-end"),
        pytest.param("AT+USERRAM=2,2,1023", id="AT+USERRAM/set/write-past-the-end"),
        pytest.param("AT+USERRAM=5", id="AT+USERRAM/set/operation-5"),
        pytest.param("AT+USERRAM=3,0,0", id="AT+USERRAM/set/size-0"),
        pytest.param('AT+USERRAM="3",4', id="AT+USERRAM/set/operation-string"),
    ],
)
def test_refusals_keep_the_ram(dut, expect, err_code, ram, line) -> None:
    """Refused with a plain ERROR; the allocation stays as it was."""
    refused(err_code, dut.cmd(line))
    assert size(dut, expect) == ram
