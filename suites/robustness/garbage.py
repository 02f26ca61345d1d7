"""What the robustness suite throws at a board, and how it sends it through the AT session.

- :data:`EXAMPLES`: hypothesis settings every generated case uses: derandomized (the same examples every
  run, so a verdict is repeatable), a bounded number of examples, no example database, no shrinking (a
  failure is reported with the example that failed; shrinking would resend dozens of lines to a board).
- Strategies: :func:`garbage_lines` (binary bytes), :func:`nul_lines`, :func:`overlong_lines`,
  :func:`bad_escape_lines`: bytes of one command line, without its CR LF; :func:`data_bytes`: data for a
  ``>`` prompt or passthrough, made of fragments that look like what a parser might take for something
  else (CR LF, ``AT\\r\\n``, ``+++``, ``>``, NUL, ``+IPD,``) among random bytes.
- :func:`send_line`: one line of arbitrary bytes as a command the session waits for, so its answer is
  attributed to it (the session's ``cmd`` only sends text).
- :func:`well_formed`: the check every case ends with: the next well-formed command (AT+GMR, 3.1.4)
  answers as its template says.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from fixtures.suite import Expect
from rigs.at.response import Response
from rigs.at.session import AtSession

#: See the module docstring. The function-scoped ``dut`` is shared by every example on purpose: each
#: example leaves the board in command mode, which is what the cases check.
EXAMPLES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow),
)

#: 3.15: a command is at most 256 bytes long (CR LF not counted here); esp-at issue #494 (ESP32 AT
#: 2.1.0.0): a longer AT+HTTPCLIENT line is answered ERROR, "the max length of an AT command is 256 bytes".
MAX_LINE = 256

#: First bytes of a garbage line: never ``A``/``a`` (a line starting with AT may be a command), never NUL
#: (a C-string view of the line would be empty, and what a board does with an empty line is not documented).
_LEADS = st.sampled_from([b"#", b"~", b"Z", b"0", b"\x7f", b"\xff", b"\x80", b" ", b"+", b"\x1b"])
#: CR and LF are left out of the body: each would end or split the line (3.15: commands end with CR LF).
_BODY = st.binary(max_size=120).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


def garbage_lines() -> st.SearchStrategy[bytes]:
    """A line of binary bytes that is no command (not starting with AT, no CR, no LF)."""
    return st.builds(lambda lead, body: lead + body, _LEADS, _BODY)


def nul_lines() -> st.SearchStrategy[bytes]:
    """A garbage line with NUL bytes inside it."""
    nul = st.integers(min_value=1, max_value=8).map(lambda n: b"\x00" * n)
    parts = st.lists(st.one_of(nul, _BODY), min_size=1, max_size=6)
    return st.builds(lambda lead, first, rest: lead + first + b"".join(rest), _LEADS, nul, parts)


def overlong_lines() -> st.SearchStrategy[bytes]:
    """A line longer than 256 bytes: a real command name, then printable text past the limit."""
    heads = st.sampled_from([b"AT+GMR", b'AT+CWHOSTNAME="', b"AT+SYSMSGFILTERCFG=1,", b'AT+CIPDOMAIN="'])
    fill = st.integers(min_value=MAX_LINE + 1, max_value=4 * MAX_LINE)
    text = st.sampled_from([b"x", b"0123456789", b"a,", b'\\"', b"\xc3\xa9"])
    return st.builds(lambda h, n, t: (h + t * n)[: max(n, MAX_LINE + 1)], heads, fill, text)


def bad_escape_lines() -> st.SearchStrategy[bytes]:
    """A set command whose string parameter never closes (3.15: ``\\"`` is an escaped quote, so a string
    ending in a backslash before its quote, or with an odd quote count, has no end): a parse error."""
    inner = st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\'), max_size=40
    ).map(str.encode)
    ends = st.sampled_from([b'\\"', b"\\", b'\\\\\\"', b'"x', b'\\"\\'])
    commands = st.sampled_from([b"AT+CWHOSTNAME", b"AT+CIPDOMAIN", b"AT+SYSMSGFILTERCFG=1,0"])
    return st.builds(
        lambda c, i, e: c + (b',"' if c.endswith(b"0") else b'="') + i + e, commands, inner, ends
    )


_TRAPS = st.sampled_from(
    [b"\r\n", b"AT\r\n", b"AT+RST\r\n", b"+++", b">", b"\x00", b"\x00\x00\x00", b"+IPD,0,4:", b"\r", b"\n"]
)


def data_bytes(min_size: int = 1, max_size: int = 600) -> st.SearchStrategy[bytes]:
    """Data bytes with parser traps (CR LF, ``AT\\r\\n``, ``+++``, NUL, ...) among random bytes."""
    frag = st.one_of(_TRAPS, st.binary(min_size=1, max_size=64))
    return (
        st.lists(frag, min_size=1, max_size=24)
        .map(b"".join)
        .filter(lambda b: min_size <= len(b))
        .map(lambda b: b[:max_size])
    )


def send_line(dut: AtSession, line: bytes, timeout: float = 5.0) -> Response:
    """Send ``line`` (any bytes but LF) and CR LF as one command line and wait for its final result.

    The bytes go out raw, then the session's command supplies the CR LF, so the board's answer is the
    response of that command (an empty command text: nothing of it is expected back but the result).
    """
    assert b"\n" not in line, "send_line sends one line: no LF inside"
    dut.write_raw(line)
    return dut.cmd("", timeout, expect_prompt=False)


def well_formed(dut: AtSession, expect: Expect) -> None:
    """The next well-formed command is answered as the guide says (3.1.4 AT+GMR: four lines, OK)."""
    expect.ok(dut.cmd("AT+GMR"), "AT+GMR", "execute")
