"""The messages an ESP-AT board prints on its command port, as data (section 3.17, "AT Messages").

One table per shape of message, so that ``spec/urcs.yaml`` (or any later extraction of the guide) can be
checked against what the codec recognises:

* :data:`LINE_URCS`: active message reports that fit on one line (``WIFI GOT IP``, ``0,CONNECT``,
  ``+STA_CONNECTED:<sta_mac>`` ...), matched against the whole line without its CR LF;
* :data:`FRAMED_MESSAGES`: messages whose header announces a length and is followed by that many bytes of
  binary data (``+IPD``, ``+CIPRECVDATA``, ``+MQTTSUBRECV``, ``+WS_DATA``, ``+HTTPCLIENT`` ...): the data
  may hold CR LF, ``OK`` or ``>`` and never ends anything;
* :data:`PROMPT_COMMANDS`: commands answered with the ``>`` prompt, and what follows it.

Headers of framed messages are described with a tiny token grammar rather than regular expressions, because
the codec must tell "this may still become a header" from "this is not a header" on any prefix of the
stream (bytes arrive split anywhere); see :func:`match_header`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Literal

# --- one-line active message reports -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineUrc:
    """A one-line active message report: ``kind`` names it, ``pattern`` matches the whole line."""

    kind: str
    pattern: re.Pattern[str]
    fields: tuple[str, ...] = ()


def _urc(kind: str, regex: str, *fields: str) -> LineUrc:
    return LineUrc(kind, re.compile(regex), fields)


# Any text between the quotes: the codec says which report came; whether its MAC is one is the URC checker's
# verdict (spec/urc_check.py, with the field types of spec/urcs.yaml), which can then say what is wrong with
# it instead of calling the whole line unknown.
_MAC = r'"?([^",]*)"?'
_ANY = r"\s?(.*)"

#: 3.17 "ESP-AT Message Reports (active)", plus the reports named in AT+SYSMSG (3.1), the BLE and Classic
#: Bluetooth chapters and the examples of chapter 4 (smartconfig, web server).
#: The order matters only where one pattern could match another's line; specific ones come first.
LINE_URCS: tuple[LineUrc, ...] = (
    _urc("WIFI CONNECTED", r"WIFI CONNECTED"),
    _urc("WIFI GOT IP", r"WIFI GOT IP"),
    _urc("WIFI GOT IPv6 LL", r"WIFI GOT IPv6 LL"),
    _urc("WIFI GOT IPv6 GL", r"WIFI GOT IPv6 GL"),
    _urc("WIFI DISCONNECT", r"WIFI DISCONNECT"),
    _urc("CONNECT", r"(?:(\d+),)?CONNECT", "link_id"),
    _urc("CLOSED", r"(?:(\d+),)?CLOSED", "link_id"),
    _urc("+LINK_CONN", r"\+LINK_CONN:(.*)", "info"),
    _urc("+STA_CONNECTED", r"\+STA_CONNECTED:\s?" + _MAC, "sta_mac"),
    _urc("+DIST_STA_IP", r"\+DIST_STA_IP:\s?" + _MAC + r',"?([^",]*)"?', "sta_mac", "sta_ip"),
    _urc("+STA_DISCONNECTED", r"\+STA_DISCONNECTED:\s?" + _MAC, "sta_mac"),
    _urc("+ETH_CONNECTED", r"\+ETH_CONNECTED"),
    _urc("+ETH_GOT_IP", r"\+ETH_GOT_IP(?::(.*))?", "info"),
    _urc("+ETH_DISCONNECTED", r"\+ETH_DISCONNECTED"),
    _urc("+ERRNO", r"\+ERRNO:\s?(.*)", "error_code"),
    _urc("+TIME_UPDATED", r"\+TIME_UPDATED"),
    _urc("smartconfig type", r"smartconfig type:\s?(.*)", "type"),
    _urc("Smart get wifi info", r"Smart get wifi info"),
    # printed after "Smart get wifi info" (4.12.2)
    _urc("smartconfig ssid", r"ssid:(.*)", "ssid"),
    _urc("smartconfig password", r"password:(.*)", "password"),
    _urc("smartconfig connected wifi", r"smartconfig connected wifi"),
    _urc("Will force to restart!!!", r"Will force to restart!!!"),
    _urc("Have Connections", r"Have (\d+) Connections", "count"),
    _urc("+QUITT", r"\+QUITT"),
    _urc("NO CERT FOUND", r"NO CERT FOUND"),
    _urc("NO PRVT_KEY FOUND", r"NO PRVT_KEY FOUND"),
    _urc("NO CA FOUND", r"NO CA FOUND"),
    _urc("+MQTTCONNECTED", r"\+MQTTCONNECTED:(.*)", "info"),
    _urc("+MQTTDISCONNECTED", r"\+MQTTDISCONNECTED:(\d+)", "link_id"),
    # two entries in the 3.17 table, so two kinds
    _urc("+MQTTPUB:OK", r"\+MQTTPUB:OK"),
    _urc("+MQTTPUB:FAIL", r"\+MQTTPUB:FAIL"),
    _urc("+BLECONN", r"\+BLECONN:(\d+),(.*)", "conn_index", "remote_address"),
    _urc("+BLEDISCONN", r"\+BLEDISCONN:(\d+),(.*)", "conn_index", "remote_address"),
    _urc("+BLECONNPARAM", r"\+BLECONNPARAM:\s?(.*)", "params"),
    _urc("+BLESCAN", r"\+BLESCAN:(.*)", "info"),
    _urc("+BLESCANDONE", r"\+BLESCANDONE"),
    _urc("+READ", r"\+READ:(\d+),(.*)", "conn_index", "remote_address"),
    # +WRITE:<conn_index> alone: passthrough with notify/indicate enabled (3.17); the framed form is below.
    _urc("+WRITE", r"\+WRITE:(\d+)", "conn_index"),
    _urc("+BLESECNTFYKEY", r"\+BLESECNTFYKEY:(\d+),(.*)", "conn_index", "key"),
    _urc("+BLESECREQ", r"\+BLESECREQ:(\d+)", "conn_index"),
    _urc("+BLESECKEYREQ", r"\+BLESECKEYREQ:(\d+)", "conn_index"),
    _urc("+BLEAUTHCMPL", r"\+BLEAUTHCMPL:(\d+),(-?\d+)", "conn_index", "enc_result"),
    _urc("+BLE_TT_MODE", r"\+BLE_TT_MODE"),
    _urc("+BLESECKEYTYPE", r"\+BLESECKEYTYPE:(\d+),(-?\d+)", "conn_index", "key_type"),
    _urc("+BLESECNCREQ", r"\+BLESECNCREQ:(\d+),(\d+)", "conn_index", "key"),
    # BluFi (4.12.1): the phone's connection began / ended
    _urc("+BLUFICONN", r"\+BLUFICONN"),
    _urc("+BLUFIDISCONN", r"\+BLUFIDISCONN"),
    # Classic Bluetooth (3.5, 4.10)
    _urc("+BTSTARTDISC", r"\+BTSTARTDISC:(.*)", "info"),
    _urc("+BTSPPCONN", r"\+BTSPPCONN:(-?\d+),(.*)", "conn_index", "remote_address"),
    _urc("+BTSPPDISCONN", r"\+BTSPPDISCONN:(-?\d+),(.*)", "conn_index", "remote_address"),
    _urc("+BTA2DPCONN", r"\+BTA2DPCONN:(-?\d+),(.*)", "conn_index", "remote_address"),
    _urc("+BTA2DPDISCONN", r"\+BTA2DPDISCONN:(-?\d+),(.*)", "conn_index", "remote_address"),
    # web server provisioning progress (4.7)
    _urc("+WEBSERVERRSP", r"\+WEBSERVERRSP:(\d+)", "state"),
    _urc("+WS_CONNECTED", r"\+WS_CONNECTED:(\d+)", "link_id"),
    _urc("+WS_DISCONNECTED", r"\+WS_DISCONNECTED:(\d+)", "link_id"),
    _urc("+WS_CLOSED", r"\+WS_CLOSED:(\d+)", "link_id"),
    # 3.3 AT+CIUPDATE in non-blocking mode: the OTA progress after OK (in blocking mode, response lines)
    _urc("+CIPUPDATE", r"\+CIPUPDATE:(-?\d+)", "state"),
)

#: Commands whose information lines the guide prefixes with another name than the command's
#: (3.3 AT+CIUPDATE answers +CIPUPDATE:<state>): while such a command is pending, they are its response.
RESPONSE_NAMES: dict[str, str] = {"CIUPDATE": "CIPUPDATE"}

# --- length-framed messages ----------------------------------------------------------------------------


class Tok(Enum):
    """Token kinds of a framed header."""

    INT = "int"  # 1 to 10 decimal digits
    OINT = "oint"  # 0 to 10 decimal digits (an omitted optional parameter)
    QSTR = "qstr"  # a double-quoted string without CR, LF or quote inside, up to 128 characters
    IP = "ip"  # a quoted address, or an unquoted dotted IPv4 address (older firmware prints it bare)


Token = bytes | Tok


@dataclass(frozen=True, slots=True)
class FramedMessage:
    """A message whose header announces the length of the binary data that follows it.

    ``tokens`` spell the header from its first byte to the byte just before the data; ``fields`` name the
    non-literal tokens in order; ``length_field`` names the one holding the data length; ``has_data`` is
    False for the passive-mode ``+IPD,<len>`` notification, which announces data without carrying it;
    ``trailer`` is CR LF when the board ends the
    message with one after the data (it is then part of the event), empty when it does not (``+IPD``).
    ``event`` says which event type the codec builds from it.
    """

    kind: str
    event: Literal["ipd", "recvdata", "urc", "line"]
    tokens: tuple[Token, ...]
    fields: tuple[str, ...]
    length_field: str
    trailer: bytes = b""
    has_data: bool = True


def _framed(
    kind: str,
    event: Literal["ipd", "recvdata", "urc", "line"],
    tokens: tuple[Token, ...],
    fields: tuple[str, ...],
    length_field: str = "length",
    trailer: bytes = b"\r\n",
    has_data: bool = True,
) -> FramedMessage:
    assert sum(isinstance(t, Tok) for t in tokens) == len(fields), kind
    return FramedMessage(kind, event, tokens, fields, length_field, trailer, has_data)


_I, _O, _Q, _IP = Tok.INT, Tok.OINT, Tok.QSTR, Tok.IP

#: +IPD in the six forms of 3.17, then the other length-framed messages of the guide. Alternatives of one
#: message are separate entries; the codec waits until none of them can still match, then takes the longest.
FRAMED_MESSAGES: tuple[FramedMessage, ...] = (
    # passive receive mode (AT+CIPRECVTYPE=1): a notification only, no data follows
    _framed("+IPD", "ipd", (b"+IPD,", _I, b"\r\n"), ("length",), trailer=b"", has_data=False),
    _framed(
        "+IPD", "ipd", (b"+IPD,", _I, b",", _I, b"\r\n"), ("link_id", "length"), trailer=b"", has_data=False
    ),
    # active mode: data follows the colon, with nothing after it
    _framed("+IPD", "ipd", (b"+IPD,", _I, b":"), ("length",), trailer=b""),
    _framed("+IPD", "ipd", (b"+IPD,", _I, b",", _I, b":"), ("link_id", "length"), trailer=b""),
    _framed(
        "+IPD",
        "ipd",
        (b"+IPD,", _I, b",", _IP, b",", _I, b":"),
        ("length", "remote_ip", "remote_port"),
        trailer=b"",
    ),
    _framed(
        "+IPD",
        "ipd",
        (b"+IPD,", _I, b",", _I, b",", _IP, b",", _I, b":"),
        ("link_id", "length", "remote_ip", "remote_port"),
        trailer=b"",
    ),
    # AT+CIPRECVDATA response (3.3.35): "+CIPRECVDATA:<actual_len>,[<"remote IP">,<remote port>,]<data>",
    # then OK: nothing after the data, the CR LF that follows is the one that frames OK (3.3.35 shows
    # "<data>" then "OK" with no empty line; real boards: esp-at issues 280, 294, 451).
    _framed("+CIPRECVDATA", "recvdata", (b"+CIPRECVDATA:", _I, b","), ("length",), trailer=b""),
    _framed(
        "+CIPRECVDATA",
        "recvdata",
        (b"+CIPRECVDATA:", _I, b",", _IP, b",", _I, b","),
        ("length", "remote_ip", "remote_port"),
        trailer=b"",
    ),
    _framed(
        "+MQTTSUBRECV",
        "urc",
        (b"+MQTTSUBRECV:", _I, b",", _Q, b",", _I, b","),
        ("link_id", "topic", "length"),
    ),
    _framed("+WS_DATA", "urc", (b"+WS_DATA:", _I, b",", _I, b","), ("link_id", "length")),
    _framed(
        "+WRITE",
        "urc",
        (b"+WRITE:", _I, b",", _I, b",", _I, b",", _O, b",", _I, b","),
        ("conn_index", "srv_index", "char_index", "desc_index", "length"),
    ),
    _framed(
        "+NOTIFY",
        "urc",
        (b"+NOTIFY:", _I, b",", _I, b",", _I, b",", _I, b","),
        ("conn_index", "srv_index", "char_index", "length"),
    ),
    _framed(
        "+INDICATE",
        "urc",
        (b"+INDICATE:", _I, b",", _I, b",", _I, b",", _I, b","),
        ("conn_index", "srv_index", "char_index", "length"),
    ),
    _framed("+BLUFIDATA", "urc", (b"+BLUFIDATA:", _I, b","), ("length",)),
    _framed("+SCRD", "urc", (b"+SCRD:", _I, b","), ("length",)),
    _framed("+BTDATA", "urc", (b"+BTDATA:", _I, b","), ("length",)),
    # response lines whose value is length-framed
    _framed("+HTTPCLIENT", "line", (b"+HTTPCLIENT:", _I, b","), ("length",)),
    _framed("+HTTPCGET", "line", (b"+HTTPCGET:", _I, b","), ("length",)),
    # 4.8 prints the server's answer to AT+HTTPCPOST / AT+HTTPCPUT the same way (+HTTPCPOST:281,{...)
    _framed("+HTTPCPOST", "line", (b"+HTTPCPOST:", _I, b","), ("length",)),
    _framed("+HTTPCPUT", "line", (b"+HTTPCPUT:", _I, b","), ("length",)),
    # 3.8.2 AT+FS read: +FS:<length>,<data> (the size query's +FS:<size> has no comma and stays a line)
    _framed("+FS", "line", (b"+FS:", _I, b","), ("length",)),
    _framed("+HTTPURLCFG", "line", (b"+HTTPURLCFG:", _I, b","), ("length",)),
    # 3.14.2 AT+USERRAM read: +USERRAM:<length>,<data> with no line end, pieces of at most 1024 bytes, then
    # OK (at_user_cmd.c at v5.0.0.0); the query's +USERRAM:<size> has no comma and stays a line
    _framed("+USERRAM", "line", (b"+USERRAM:", _I, b","), ("length",), trailer=b""),
    _framed("+BLEGATTCRD", "line", (b"+BLEGATTCRD:", _I, b",", _I, b","), ("conn_index", "length")),
)

#: Upper bound of a data length the codec accepts in a header (AT+CIPRECVDATA allows up to 0x7fffffff).
MAX_FRAMED_LENGTH = 0x7FFFFFFF

_DIGITS = frozenset(b"0123456789")
_IPV4_CHARS = frozenset(b"0123456789.")
_QSTR_MAX = 128


class Match(Enum):
    NO = 0
    PARTIAL = 1
    YES = 2


def match_header(buf: bytes | bytearray, pos: int, tokens: tuple[Token, ...]) -> tuple[Match, int, list[str]]:
    """Match ``tokens`` against ``buf`` from ``pos``.

    Returns YES with the end offset and the field values when the whole header is there, PARTIAL when the
    buffer ends while the bytes so far could still become this header, NO otherwise. The answer for a
    given prefix never changes into a different YES/NO when more bytes arrive, which is what makes the
    codec's output independent of how the stream is chunked.
    """
    n = len(buf)
    values: list[str] = []
    i = pos
    for tok in tokens:
        if isinstance(tok, bytes):
            k = len(tok)
            have = buf[i : i + k]
            if have != tok:
                if len(have) < k and tok.startswith(have):
                    return Match.PARTIAL, i, values
                return Match.NO, i, values
            i += k
            continue
        if tok is Tok.INT or tok is Tok.OINT:
            j = i
            while j < n and buf[j] in _DIGITS and j - i <= 10:
                j += 1
            if j == n:
                return Match.PARTIAL, i, values
            if j - i > 10 or (tok is Tok.INT and j == i):
                return Match.NO, i, values
            values.append(buf[i:j].decode("ascii"))
            i = j
            continue
        # QSTR, or IP (quoted string, or bare IPv4)
        if i == n:
            return Match.PARTIAL, i, values
        if buf[i] == 0x22:  # '"'
            j = i + 1
            while j < n and buf[j] not in (0x22, 0x0D, 0x0A) and j - i <= _QSTR_MAX:
                j += 1
            if j == n:
                return Match.PARTIAL, i, values
            if buf[j] != 0x22:
                return Match.NO, i, values
            values.append(bytes(buf[i + 1 : j]).decode("utf-8", "replace"))
            i = j + 1
            continue
        if tok is Tok.QSTR:
            return Match.NO, i, values
        j = i
        while j < n and buf[j] in _IPV4_CHARS and j - i <= 15:
            j += 1
        if j == n:
            return Match.PARTIAL, i, values
        if j == i or j - i > 15:
            return Match.NO, i, values
        values.append(buf[i:j].decode("ascii"))
        i = j
    return Match.YES, i, values


# --- commands answered with the ">" prompt -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PromptCommand:
    """A command whose ``OK`` is followed by ``>``.

    ``passthrough``: after ``>`` the port carries raw data until ``+++`` (AT+CIPSEND execute form,
    AT+BLESPP, AT+BTSPPSEND); otherwise the board takes the announced number of bytes and then answers
    with one of ``done``: final results, or (AT+MQTTPUBRAW) the ``+MQTTPUB:OK``/``FAIL`` report.
    """

    name: str
    passthrough: bool = False
    done: tuple[str, ...] = ("SEND OK", "SEND FAIL", "ERROR", "SET OK", "OK")


_DATA_PROMPT_SET = (
    "CIPSEND",
    "CIPSENDL",
    "CIPSENDEX",
    "MQTTPUBRAW",
    "MQTTLONGCLIENTID",
    "MQTTLONGUSERNAME",
    "MQTTLONGPASSWORD",
    "HTTPCPOST",
    "HTTPCPUT",
    "HTTPURLCFG",
    "HTTPCHEAD",
    "WSHEAD",
    "WSSEND",
    "BLEGATTSNTFY",
    "BLEGATTSIND",
    "BLEGATTSSETATTR",
    "BLEGATTCWR",
    "BTSPPSEND",
    "BLUFISEND",
    "SYSMSGFILTERCFG",
    "DRVI2CWRDATA",
    "DRVSPIWR",
    "USEROTA",
)
_PASSTHROUGH_EXECUTE = ("CIPSEND", "BLESPP", "BTSPPSEND")

_CMD_RE = re.compile(r"AT\+([A-Z0-9_]+)(=\?|\?|=(.*))?$", re.S)


def command_name(line: str) -> str | None:
    """``"AT+CIPSEND=0,5"`` -> ``"CIPSEND"``; basic commands (``AT``, ``ATE0``) -> None."""
    m = _CMD_RE.match(line.strip())
    return m.group(1) if m else None


def prompt_command(line: str) -> PromptCommand | None:
    """Which prompt behaviour the command line ``line`` asks for, from the guide's command descriptions.

    Only set commands carrying a length answer with ``>`` (a zero length, as in ``AT+HTTPCHEAD=0``,
    clears instead); among the operator-driven ones (AT+FS, AT+SYSFLASH, AT+SYSMFG) only the write
    operator does.
    """
    m = _CMD_RE.match(line.strip())
    if not m:
        return None
    name, form, params = m.group(1), m.group(2), m.group(3)
    if form is None:
        return PromptCommand(name, passthrough=True) if name in _PASSTHROUGH_EXECUTE else None
    if params is None:  # test or query form
        return None
    args = [a.strip() for a in params.split(",")]
    if name in ("HTTPCHEAD", "HTTPURLCFG", "WSHEAD", "DRVSPIWR") and args[0] == "0":
        return None
    if name == "SYSMSGFILTERCFG" and len(args) < 3:
        return None
    if name == "USERRAM":
        # 3.14.2 write: OK, >, the data, then WRITE OK (at_user_cmd.c at v5.0.0.0); no other operation prompts
        return PromptCommand(name, done=("WRITE OK", "ERROR")) if args[0] == "2" else None
    if name == "MQTTPUBRAW":
        return PromptCommand(name, done=("+MQTTPUB:OK", "+MQTTPUB:FAIL", "ERROR"))
    if name in _DATA_PROMPT_SET:
        return PromptCommand(name)
    if name in ("FS", "SYSFLASH") and len(args) >= 2 and args[1 if name == "FS" else 0] == "1":
        return PromptCommand(name)
    if name == "SYSMFG" and args[0] == "2" and len(args) >= 4 and args[3] in ("7", "8"):
        return PromptCommand(name)
    return None
