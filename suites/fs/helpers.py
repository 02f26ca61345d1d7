"""The data phase and the read-back of 3.8.2 AT+FS, shared by the FS tests."""

from __future__ import annotations

from rigs.at.events import Line
from rigs.at.response import Response
from rigs.at.session import AtSession


def fs_write(dut: AtSession, name: str, offset: int, data: bytes) -> Response:
    """3.8.2 write (operation 1): the command, the ``>`` prompt, then exactly ``<length>`` bytes; returns the
    response to the data (the final result)."""
    prompt = dut.cmd(f'AT+FS=0,1,"{name}",{offset},{len(data)}')
    assert prompt.prompt, f"expected the '>' of 3.8.2's write operation, got {prompt.text!r}"
    return dut.send_data(data, timeout=10 + len(data) / 5000)


def read_payload(resp: Response) -> bytes:
    """The bytes of the read's ``+FS:<length>,<data>`` line, which the codec frames by its <length> (the
    guide shows only OK: the line's form is the project's reading, rigs/at/messages.py); the <length>
    must equal the bytes that follow it."""
    lines = [ev for ev in resp.events if isinstance(ev, Line) and ev.text.startswith("+FS:")]
    assert len(lines) == 1, f"expected one +FS:<length>,<data> line, got {resp.text!r}"
    line = lines[0]
    assert line.payload is not None, f"+FS line not framed by a length: {line.text!r}"
    head = line.text.split(",", 1)[0]
    assert int(head[len("+FS:") :]) == len(line.payload), line.text
    return line.payload
