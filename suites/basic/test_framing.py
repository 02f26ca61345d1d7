"""3.1 / 3.17: the framing of a final result, byte for byte. spec/corrections.yaml's decision "blank line
before OK" settles it: each information line ends in CR LF, and the final result follows as CR LF "OK"
CR LF, which shows as exactly one empty line before OK. The other tests compare with blank lines ignored;
these are the ones about the framing itself."""

from __future__ import annotations

import pytest

from fixtures.suite import response_lines

pytestmark = [pytest.mark.basic, pytest.mark.usefixtures("fresh_board")]

CRLF = "\r\n"


def _framed(info: list[str]) -> str:
    """The exact text the decision prescribes for ``info`` followed by OK."""
    return "".join(line + CRLF for line in info) + CRLF + "OK" + CRLF


def _assert_framed(dut, expect, command: str, name: str, kind: str) -> None:
    resp = dut.cmd(command)
    # The content against the template (blank lines ignored: the guide's blocks are inconsistent about
    # them, which is why the decision exists), then the framing against the decision.
    expect.ok(resp, name, kind)
    lines = response_lines(resp)
    info = [line for line in lines[:-1] if line != ""]
    assert lines == [*info, "", "OK"], f"{command!r}: expected one empty line before OK; lines {lines!r}"
    assert resp.text == _framed(info), (
        f"{command!r}: expected the bytes {_framed(info)!r} (one CR LF after each information line, then "
        f"CR LF OK CR LF); got {resp.text!r}"
    )


@pytest.mark.form("AT", "execute")
def test_at_framing(dut, expect) -> None:
    """3.1.2: no information line, so CR LF OK CR LF alone (the one empty line of the framing)."""
    _assert_framed(dut, expect, "AT", "AT", "execute")


@pytest.mark.form("AT+GMR", "execute")
def test_gmr_framing(dut, expect) -> None:
    """3.1.4: four information lines, one empty line, OK."""
    _assert_framed(dut, expect, "AT+GMR", "AT+GMR", "execute")


@pytest.mark.form("AT+SYSSTORE", "query")
def test_sysstore_default_framing(dut, expect) -> None:
    """3.1.28: +SYSSTORE:<store_mode>, one empty line, OK (named for the mutation catalog's selection of
    the AT+SYSSTORE? framing faults)."""
    _assert_framed(dut, expect, "AT+SYSSTORE?", "AT+SYSSTORE", "query")


@pytest.mark.form("AT+CWMODE", "query")
def test_cwmode_query_framing(dut, expect) -> None:
    """3.2.1: +CWMODE:<mode>, one empty line, OK."""
    _assert_framed(dut, expect, "AT+CWMODE?", "AT+CWMODE", "query")
