"""3.7 HTTP AT commands: AT+HTTPCLIENT, AT+HTTPGETSIZE, AT+HTTPCGET, AT+HTTPCPOST, AT+HTTPCPUT,
AT+HTTPURLCFG, AT+HTTPCHEAD, AT+HTTPCFG.

AT+HTTPCFG is provided: 3.7's introduction says the default firmware supports every command of the page, and
the v5.0.0.0 ESP32 core library (espressif/esp-at tag v5.0.0.0, components/at/lib/libesp32_at_core.a)
registers ``+HTTPCFG`` with a set handler (``at_setup_cmd_httpcfg``) beside the other seven. What it does
to HTTPS is in sim/commands/http_fetch.py.

What is printed:

- body data as ``+<CMD>:<size>,<data>`` CR LF, each piece one message (so AT+SYSMSGFILTER can match its head
  and tail, 4.1.1); a piece is at most the command's receive buffer (AT+HTTPCGET ``<rx size>``, default 2048;
  512 for the others, the largest piece chapter 4.8 shows) and the sim fills pieces before printing them;
- AT+HTTPCLIENT with HEAD (``<opt>`` 1) prints each response header ``<name>: <value>`` as a piece (4.8.1);
- a status of 400 or more, a failed connection, a timeout: ``ERR CODE:0x010a7xxx`` (3.7.10, while
  AT+SYSLOG=1) and ERROR, or SEND FAIL for AT+HTTPCPOST/AT+HTTPCPUT; the body of such a response is not
  printed;
- redirects: AT+HTTPCLIENT does not follow them (its notes): the 3xx response is printed as it is; the other
  commands follow up to 10 (the firmware's HTTP client default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.errors import AtError
from sim.at.registry import command
from sim.board import Board
from sim.commands.http_fetch import HttpAuth, HttpFailed, Request, fetch
from sim.net.http_wire import CONTENT_TYPES, METHODS, Head, HttpWireError, Url, header_name, parse_url

HTTPCLIENT = command("AT+HTTPCLIENT", section="3.7.1")
HTTPGETSIZE = command("AT+HTTPGETSIZE", section="3.7.2")
HTTPCGET = command("AT+HTTPCGET", section="3.7.3")
HTTPCPOST = command("AT+HTTPCPOST", section="3.7.4")
HTTPCPUT = command("AT+HTTPCPUT", section="3.7.5")
HTTPURLCFG = command("AT+HTTPURLCFG", section="3.7.6")
HTTPCHEAD = command("AT+HTTPCHEAD", section="3.7.7")
HTTPCFG = command("AT+HTTPCFG", section="3.7.8")

#: 3.7.2/3.7.3 defaults and ranges
DEFAULT_BUFFER = 2048
MAX_BUFFER = 10240
DEFAULT_TIMEOUT_MS = 5000
MAX_TIMEOUT_MS = 180000
#: the piece size of AT+HTTPCLIENT/AT+HTTPCPOST/AT+HTTPCPUT output (4.8's transcripts)
CLIENT_PIECE = 512
#: 3.7.6 <url length>
URL_MIN, URL_MAX = 8, 8192
#: 3.7.9 <pki_number>/<ca_number>: indexes of mfg_nvs keys (the PKI bin holds a handful per family)
PKI_INDEX_MAX = 255
#: 3.7.4: "the maximum length is the system allocable heap size"; a free heap of an ESP32 running AT
POST_MAX = 160 * 1024
HEADER_MAX = 8192
#: the 3.7.10 subcategory: 0x01 0x0a 0x7xxx
_HTTP_SUB = errors.Sub.CMD_EXEC_FAIL


@dataclass
class HttpConfig:
    """Per-boot settings (neither command says it is saved)."""

    url: str | None = None  # AT+HTTPURLCFG
    headers: list[str] = field(default_factory=list)  # AT+HTTPCHEAD


def http_config(board: Board) -> HttpConfig:
    return board.runtime(HttpConfig)


def http_error(extension: int) -> int:
    """The ERR CODE of an HTTP failure (3.7.10): 0x010a7000 + status, or 0x010a7000."""
    return errors.error_code(_HTTP_SUB, extension)


class Printer:
    """Prints the body as ``+<CMD>:<size>,<data>`` CR LF pieces of at most ``piece`` bytes."""

    def __init__(self, ctx: CommandContext, prefix: str, piece: int) -> None:
        self.ctx, self.prefix, self.piece = ctx, prefix.encode(), piece
        self.buf = bytearray()

    def _emit(self, data: bytes) -> None:
        self.ctx.write(b"%s:%d,%s\r\n" % (self.prefix, len(data), data))

    async def data(self, data: bytes) -> None:
        self.buf += data
        while len(self.buf) >= self.piece:
            self._emit(bytes(self.buf[: self.piece]))
            del self.buf[: self.piece]

    async def head(self, head: Head) -> None:
        return None

    def flush(self) -> None:
        if self.buf:
            self._emit(bytes(self.buf))
            self.buf.clear()


def _url(ctx: CommandContext, index: int, text: str) -> Url:
    """``<"url">``, or the AT+HTTPURLCFG one when it is "" (3.7 notes)."""
    if not text:
        preset = http_config(ctx.board).url
        if preset is None:
            raise AtError(errors.para_invalid(index), 'url "" with no AT+HTTPURLCFG URL set')
        text = preset
    try:
        return parse_url(text)
    except HttpWireError as exc:
        raise AtError(errors.para_invalid(index), str(exc)) from None


def _headers(ctx: CommandContext, own: list[str]) -> list[str]:
    """The command's headers, then AT+HTTPCHEAD's, which win over the same key (3.7.7 notes)."""
    return own + http_config(ctx.board).headers


def _buffers(ctx: CommandContext) -> tuple[int, float]:
    """``[<tx size>][,<rx size>][,<timeout>]`` after the URL: the rx size and the network timeout in s.

    0 is in both ranges; it is taken as the default (a zero buffer or no wait would make no request).
    """
    a = ctx.args
    a.int(1, 0, MAX_BUFFER, default=DEFAULT_BUFFER)
    rx = a.int(2, 0, MAX_BUFFER, default=DEFAULT_BUFFER) or DEFAULT_BUFFER
    timeout_ms = a.int(3, 0, MAX_TIMEOUT_MS, default=DEFAULT_TIMEOUT_MS) or DEFAULT_TIMEOUT_MS
    return rx, timeout_ms / 1000


async def _run(
    ctx: CommandContext,
    request: Request,
    printer: Printer,
    *,
    timeout: float = DEFAULT_TIMEOUT_MS / 1000,
    follow: bool = True,
) -> Head:
    head = await fetch(
        ctx.board,
        request,
        timeout=timeout,
        follow_redirects=follow,
        on_head=printer.head,
        on_data=printer.data,
    )
    printer.flush()
    return head


def _failed(ctx: CommandContext, exc: HttpFailed) -> AtError:
    ctx.board.log(f"at-http: {exc.reason}")
    return AtError(http_error(exc.extension), exc.reason)


# --- AT+HTTPCLIENT -----------------------------------------------------------------------------------


class HeaderPrinter(Printer):
    """AT+HTTPCLIENT HEAD: every response header is a piece of its own (4.8.1)."""

    async def head(self, head: Head) -> None:
        for name, value in head.headers:
            self._emit(f"{name}: {value}".encode("latin-1", errors="replace"))


@HTTPCLIENT.set
async def httpclient_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(6, 6 + 1 + 32)
    opt = a.int(0, 1, 5)
    content_type = a.int(1, 0, 3)
    url_text = a.str(2, default="")
    host = a.str(3, default="")
    path = a.str(4, default="")
    transport = a.int(5, 1, 2, default=1)
    rest = 6
    body: bytes | None = None
    if opt == 3 and len(a) > 6:  # <"data"> exists for POST only (3.7.1)
        body = a.str(6).encode("utf-8", errors="surrogateescape")
        rest = 7
    own = [a.str(i) for i in range(rest, len(a))]
    if url_text or http_config(ctx.board).url is not None or not host:
        url = _url(ctx, 2, url_text)
    else:
        scheme = "https" if transport == 2 else "http"
        url = _url(ctx, 3, f"{scheme}://{host}{path if path.startswith('/') else '/' + path}")
    method = METHODS[opt]
    request = Request(method, url, _headers(ctx, own), body, CONTENT_TYPES[content_type])
    printer_cls = HeaderPrinter if method == "HEAD" else Printer
    try:
        await _run(ctx, request, printer_cls(ctx, "+HTTPCLIENT", CLIENT_PIECE), follow=False)
    except HttpFailed as exc:
        raise _failed(ctx, exc) from None


# --- AT+HTTPGETSIZE / AT+HTTPCGET -------------------------------------------------------------------


@HTTPGETSIZE.set
async def httpgetsize_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 4)
    url = _url(ctx, 0, ctx.args.str(0))
    _, timeout = _buffers(ctx)
    request = Request("HEAD", url, _headers(ctx, []))
    try:
        head = await _run(ctx, request, Printer(ctx, "+HTTPGETSIZE", CLIENT_PIECE), timeout=timeout)
    except HttpFailed as exc:
        raise _failed(ctx, exc) from None
    ctx.reply(f"+HTTPGETSIZE:{head.content_length or 0}")


@HTTPCGET.set
async def httpcget_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 4)
    url = _url(ctx, 0, ctx.args.str(0))
    rx, timeout = _buffers(ctx)
    request = Request("GET", url, _headers(ctx, []))
    try:
        await _run(ctx, request, Printer(ctx, "+HTTPCGET", rx), timeout=timeout)
    except HttpFailed as exc:
        raise _failed(ctx, exc) from None


# --- AT+HTTPCPOST / AT+HTTPCPUT ---------------------------------------------------------------------


async def _send_body(ctx: CommandContext, method: str, prefix: str) -> None:
    """``<"url">,<length>[,<http_req_header_cnt>][,<"http_req_header">...]``: OK, >, the body, the response
    pieces, then SEND OK / SEND FAIL (3.7.4, 3.7.5)."""
    a = ctx.args
    a.count(2, 3 + 32)
    url = _url(ctx, 0, a.str(0))
    length = a.int(1, 1, POST_MAX)
    count = a.int(2, 0, 32, default=0)
    if len(a) != 3 + count and not (count == 0 and len(a) <= 3):
        raise AtError(errors.para_num(3 + count, len(a)), f"{count} headers announced, {len(a) - 3} given")
    own = [a.str(i) for i in range(3, 3 + count)]
    for i, line in enumerate(own, 3):
        if ":" not in line:
            raise AtError(errors.para_invalid(i), f"header {line!r} is not key: value")
    ctx.ok()
    body = await ctx.prompt_and_read(length)
    if body is None:
        ctx.final("SEND FAIL")
        return
    request = Request(method, url, _headers(ctx, own), body, CONTENT_TYPES[0])
    try:
        await _run(ctx, request, Printer(ctx, prefix, CLIENT_PIECE))
    except HttpFailed as exc:
        ctx.board.log(f"at-http: {exc.reason}")
        ctx.final("SEND FAIL")
        return
    ctx.final("SEND OK")


@HTTPCPOST.set
async def httpcpost_set(ctx: CommandContext) -> None:
    await _send_body(ctx, "POST", "+HTTPCPOST")


@HTTPCPUT.set
async def httpcput_set(ctx: CommandContext) -> None:
    await _send_body(ctx, "PUT", "+HTTPCPUT")


# --- AT+HTTPURLCFG / AT+HTTPCHEAD -------------------------------------------------------------------


@HTTPURLCFG.query
async def httpurlcfg_query(ctx: CommandContext) -> None:
    url = http_config(ctx.board).url
    if url is not None:
        ctx.reply(f"+HTTPURLCFG:{len(url.encode('utf-8', errors='surrogateescape'))},{url}")


@HTTPURLCFG.set
async def httpurlcfg_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    length = ctx.args.int(0, 0, URL_MAX)
    if length == 0:
        http_config(ctx.board).url = None
        return
    if length < URL_MIN:
        raise AtError(errors.para_invalid(0), f"url length {length} outside [{URL_MIN},{URL_MAX}]")
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    if data is None:
        ctx.error()
        return
    http_config(ctx.board).url = data.decode("utf-8", errors="surrogateescape")
    ctx.final("SET OK")


@HTTPCHEAD.query
async def httpchead_query(ctx: CommandContext) -> None:
    for index, line in enumerate(http_config(ctx.board).headers):
        ctx.reply(f'+HTTPCHEAD:{index},"{line}"')


@HTTPCHEAD.set
async def httpchead_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    length = ctx.args.int(0, 0, HEADER_MAX)
    config = http_config(ctx.board)
    if length == 0:
        config.headers.clear()
        return
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    line = data.decode("utf-8", errors="surrogateescape").strip() if data is not None else ""
    if ":" not in line:
        ctx.board.log(f"at-http: request header {line!r} is not key: value")
        ctx.error()
        return
    # one header per key: setting a key again replaces it
    config.headers[:] = [h for h in config.headers if header_name(h) != header_name(line)] + [line]
    ctx.ok()


# --- AT+HTTPCFG -------------------------------------------------------------------------------------


@HTTPCFG.set
async def httpcfg_set(ctx: CommandContext) -> None:
    """``<auth_mode>[,<pki_number>][,<ca_number>]`` (3.7.9); with 0 the indexes "are not required", and
    an omitted index is 0 ("if there is only one ..., the value should be 0")."""
    a = ctx.args
    a.count(1, 3)
    auth = a.int(0, 0, 3)
    pki = a.int(1, 0, PKI_INDEX_MAX, default=0)
    ca = a.int(2, 0, PKI_INDEX_MAX, default=0)
    config = ctx.board.runtime(HttpAuth)
    config.auth_mode, config.pki_number, config.ca_number = auth, pki, ca
