"""What the 3.7 HTTP tests share: the board's printed body pieces, the server's record of the request a
command caused, timeouts that grow with the bytes the UART has to carry, and the mfg_nvs writes of the
HTTPS PKI (3.7.9 AT+HTTPCFG reads the ``https_*`` namespaces).

Expected values come from the guide (3.7's content types and methods, 3.7.10's error codes, chapter 4.8's
request headers) and from what the test itself sent or had the server serve, never from the board's output.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigs.at.events import Line
from rigs.at.response import Response
from rigs.at.session import AtSession
from rigs.model import Rig
from servers.http import HttpServer, RequestRecord
from spec.messages import http_err_code

#: 3.7.2 <opt>: the method of each value
METHODS = {1: "HEAD", 2: "GET", 3: "POST", 4: "PUT", 5: "DELETE"}
#: 3.7.2 <content-type>: the Content-Type header of each value
CONTENT_TYPES = {
    0: "application/x-www-form-urlencoded",
    1: "application/json",
    2: "multipart/form-data",
    3: "text/xml",
}
#: the User-Agent of the board's HTTP client, as httpbin echoed it in 4.8.3-4.8.7
USER_AGENT = "ESP32 HTTP Client/1.0"


def pieces(resp: Response, prefix: str) -> list[bytes]:
    """The data of every ``<prefix>:<size>,<data>`` line of ``resp`` (the codec framed each by <size>)."""
    out = []
    for ev in resp.events:
        if isinstance(ev, Line) and ev.text.startswith(prefix + ":") and ev.payload is not None:
            out.append(ev.payload)
    return out


def body(resp: Response, prefix: str) -> bytes:
    """The body the board printed, its pieces joined."""
    return b"".join(pieces(resp, prefix))


def transfer_timeout(rig: Rig, size: int) -> float:
    """A command's timeout when ``size`` bytes cross the UART (115200 baud carries ~11.5 kB/s; the rig's
    connect timeout covers the network part). A quarter of the line rate is allowed for a loaded host."""
    return rig.targets.timeouts.connect + size / 2880


def http_result(status: int | None) -> int:
    """The 3.7.10 extension of ESP_AT_SUB_CMD_EXEC_FAIL for a failed request (0x7000 + status)."""
    return http_err_code(status) & 0xFFFF


@dataclass
class Requests:
    """The server's record of what one test caused: only requests after the mark count (the HTTP peers
    are session-wide)."""

    server: HttpServer
    mark: int = 0

    def __post_init__(self) -> None:
        self.mark = len(self.server.requests)

    def one(self, timeout: float = 10.0) -> RequestRecord:
        """Exactly one new request (a second one would be a redirect followed or a retry)."""
        got = self.server.wait_requests(self.mark + 1, timeout)[self.mark :]
        if len(got) != 1:
            raise AssertionError(
                f"expected one request at the server, got {[(r.method, r.path) for r in got]}"
            )
        self.mark += 1
        return got[0]

    def many(self, count: int, timeout: float = 10.0) -> list[RequestRecord]:
        """Exactly ``count`` new requests, in the order they came."""
        got = self.server.wait_requests(self.mark + count, timeout)[self.mark :]
        if len(got) != count:
            raise AssertionError(f"expected {count} requests, got {[(r.method, r.path) for r in got]}")
        self.mark += count
        return got

    def new(self) -> list[RequestRecord]:
        got = self.server.requests[self.mark :]
        self.mark = len(self.server.requests)
        return list(got)


def sent_header(record: RequestRecord, line: str) -> None:
    """The server received the header ``key: value`` exactly as the test gave it to the board (the name
    compared without case, as HTTP names are; the value byte for byte)."""
    name, _, value = line.partition(":")
    got = [v for k, v in record.headers if k.lower() == name.strip().lower()]
    assert got == [value.strip()], (
        f"{record.method} {record.path}: header {name.strip()!r} arrived as {got}, expected "
        f"[{value.strip()!r}]; all headers: {record.headers}"
    )


def provision_https(dut: AtSession, rig: Rig, items: list) -> None:  # list[servers.pki.SysmfgItem]
    """Write the ``https_*`` CA, certificate and key into mfg_nvs (3.1 AT+SYSMFG: OK, ``>``, the value,
    OK), where AT+HTTPCFG (3.7.9) takes them from."""
    for item in items:
        prompt = dut.cmd(item.command, rig.targets.timeouts.command)
        assert prompt.prompt, f"{item.command}: expected the '>' prompt, got {prompt.text!r}"
        dut.send_data(item.value, rig.targets.timeouts.command).assert_ok()


def data_phase(dut: AtSession, rig: Rig, line: str, data: bytes) -> tuple[Response, Response]:
    """A command with a ``>`` data phase (AT+HTTPCPOST, AT+HTTPCPUT, AT+HTTPURLCFG, AT+HTTPCHEAD): the
    response up to ``>``, then the data and the response to it."""
    prompt = dut.cmd(line, rig.targets.timeouts.command, expect_prompt=True)
    assert prompt.prompt, f"{line!r}: expected OK and the '>' prompt, got {prompt.text!r}"
    return prompt, dut.send_data(data, transfer_timeout(rig, len(data) * 2 + 4096))
