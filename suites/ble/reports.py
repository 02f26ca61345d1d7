"""Helpers of the 3.4 suite's HID and BluFi tests: a report checked whole against spec/urcs.yaml, and the
line of a query whose guide blocks are literal (``+BLEHIDINIT:0`` / ``+BLEHIDINIT:1``, ``+BLUFI:0`` /
``+BLUFI:1``)."""

from __future__ import annotations

from rigs.at.events import Urc
from spec.messages import urc


def report(dut, template_id: str, timeout: float) -> Urc:
    """The next report of ``template_id``'s kind, checked whole against its template."""
    template = urc(template_id)
    ev = dut.expect_urc(lambda e: isinstance(e, Urc) and e.kind == template.kind, timeout)
    assert template.regex.fullmatch(ev.text), f"{ev.text!r} does not match {template.template!r}"
    return ev


def query_line(dut, expect, command: str) -> str:
    """``<command>?`` matched against the guide's query blocks; the line of the block that came."""
    r = dut.cmd(f"{command}?")
    expect.ok(r, command, "query")
    prefix = command.removeprefix("AT") + ":"
    return next(line for line in r.lines if line.startswith(prefix))
