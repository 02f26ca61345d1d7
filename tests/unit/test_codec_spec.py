"""The codec's message tables against spec/urcs.yaml: every active message report of 3.17 that the spec
lists, rendered from its template with sample values, decodes to the right event with the right fields.

The codec keeps its own table (rigs/at/messages.py) so that a mistake in one of the two is caught here.
"""

from __future__ import annotations

import re

import pytest

from rigs.at.codec import AtCodec
from rigs.at.events import Busy, ErrCode, Ipd, Prompt, Ready, RecvBytes, SendCanceled, Urc
from spec.messages import load_urcs

PAYLOAD = b"a\r\nOK\r\n>z"  # bytes that would end a line, a response or start a prompt if not framed

_SPECIAL = {
    "ready": Ready,
    "busy": Busy,
    "err_code": ErrCode,
    "prompt": Prompt,
    "recv_bytes": RecvBytes,
    "send_canceled": SendCanceled,
}


def _value(name: str) -> str:
    n = name.lower()
    if "ip" in n:
        return "192.168.1.9"
    if "mac" in n or "address" in n:
        return "1a:2b:3c:4d:5e:6f"
    if n == "code":
        return "0x01090000"
    if n == "topic":
        return "t/1"
    if n == "host":
        return "broker.local"
    if n == "path":
        return "/mqtt"
    if n == "type" or n == "scheme":
        return "TCP" if n == "type" else "1"
    return "1"


def render(template: str, fields: list[str], length_field: str | None) -> tuple[bytes, tuple[str, ...]]:
    """Fill the template; returns the wire bytes and the expected header field values (unquoted)."""
    payload_field = fields[-1] if length_field else None
    values: list[str] = []
    out = b""
    pos = 0
    for m in re.finditer(r'<"([^">]+)">|<([^>]+)>', template):
        out += template[pos : m.start()].replace("[", "").replace("]", "").encode()
        pos = m.end()
        name = m.group(1) or m.group(2)
        if name == payload_field:
            out += PAYLOAD
            continue
        v = str(len(PAYLOAD)) if name == length_field else _value(name)
        values.append(v)
        out += (f'"{v}"' if m.group(1) else v).encode()
    out += template[pos:].replace("[", "").replace("]", "").encode()
    return out, tuple(values)


URCS = [u for u in load_urcs() if u.payload != "rest_of_line"]


@pytest.mark.parametrize("urc", URCS, ids=[u.id for u in URCS])
def test_spec_report_decodes(urc) -> None:  # type: ignore[no-untyped-def]
    wire, values = render(urc.template, list(urc.fields), urc.length_field)
    if urc.id != "prompt" and not (urc.id.startswith("ipd.") and urc.length_field):
        wire += b"\r\n"  # reports are lines; active-mode +IPD data has no terminator of its own
    whole = AtCodec().feed(wire)
    codec = AtCodec()
    bytewise = [e for i in range(len(wire)) for e in codec.feed(wire[i : i + 1])]
    assert [(e, e.raw) for e in whole] == [(e, e.raw) for e in bytewise]
    assert len(whole) == 1, (wire, whole)
    ev = whole[0]
    assert ev.raw == wire
    if urc.id in _SPECIAL:
        assert isinstance(ev, _SPECIAL[urc.id])
    elif urc.id.startswith("ipd."):
        assert isinstance(ev, Ipd)
        assert ev.length == (len(PAYLOAD) if urc.length_field else 1)
        assert ev.payload == (PAYLOAD if urc.length_field else None)
    else:
        assert isinstance(ev, Urc), ev
        # A failure report (+BTSPPCONN:<conn_index>,-1) ends in a literal where the success report has a
        # field: the codec reads it as that field, and its text is the template's.
        assert ev.fields[: len(values)] == values
        assert all(f"{v}" in urc.template for v in ev.fields[len(values) :]), (ev.fields, urc.template)
        assert ev.payload == (PAYLOAD if urc.length_field else None)
