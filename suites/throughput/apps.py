"""MQTT and HTTP client transfers for the throughput ladder: the board publishes to the rig's broker or
receives what paho-mqtt publishes, or downloads a body from the rig's HTTP server; every byte is checked
at the far end, then the rate is judged like the socket modes (suites/throughput/README.md).

Plain functions over an AT session and servers/ peers, no pytest. Times come from where the data lands,
as in transfer.py: paho's receive stamps for uploads, the session's arrival stamps for downloads.

- ``mqtt-upload-pub``: AT+MQTTPUB (3.6.10) per message, each command line under the guide's 256 bytes,
  data of letters and digits (nothing to escape: 3.6.10 "pay attention to whether special characters need
  to be escaped");
- ``mqtt-upload-pubraw``: AT+MQTTPUBRAW (3.6.11) per :data:`PUBRAW_SIZE` bytes of any value, ``>``, the
  data, ``+MQTTPUB:OK``;
- ``mqtt-download-subrecv``: the board subscribed (3.6.12), paho publishes :data:`SUB_MESSAGE`-byte
  messages with QoS 1; each arrives as ``+MQTTSUBRECV:0,<"topic">,<data_length>,<data>`` (a message larger
  than the board's buffer as several, 3.6.12 note), framed by the session's codec;
- ``http-download-httpcget`` and ``-httpclient``: AT+HTTPGETSIZE (3.7.3) gives the body's size, then
  AT+HTTPCGET (3.7.4) or AT+HTTPCLIENT GET (3.7.2) prints it as ``+<CMD>:<size>,<data>`` pieces.

All MQTT messages here are QoS 0 from the board (``+MQTTPUB:OK``/OK once sent) and QoS 1 towards it, on
one topic each way: the broker keeps their order, so the joined payloads must be the data sent.
"""

from __future__ import annotations

import string
import time

from rigs.at.errors import AtError
from rigs.at.events import Line, Urc
from rigs.at.response import Response
from rigs.at.session import AtSession
from servers.payload import pattern
from suites.throughput.transfer import SEED, Case, Result, span, steady_bytes
from suites.throughput.verify import TransferError, compare_stream, sha256

#: 3.6.10 / 3.6.11 / 3.6.12: "The length of the entire AT command should be less than 256 bytes."
LINE_MAX = 255
TOPIC_UP = "esp/tput/up"
TOPIC_DOWN = "esp/tput/down"
#: AT+MQTTPUBRAW's <length> is "limited by available memory" (3.6.11); 8192 is AT+CIPSEND's largest
#: block (3.3.8), which any module's heap holds.
PUBRAW_SIZE = 8192
#: Under the 1024-byte receive buffer of the 3.6.12 note with the topic and header, so most boards print
#: each message as one +MQTTSUBRECV (the check joins pieces anyway).
SUB_MESSAGE = 1000
#: What AT+MQTTPUB's data is made of: nothing the command line would need escaped.
ALPHABET = (string.ascii_letters + string.digits).encode()


def printable(seed: int, size: int) -> bytes:
    """``size`` bytes of :data:`ALPHABET`, from the seeded pattern (known content, nothing to escape)."""
    return bytes(ALPHABET[b % len(ALPHABET)] for b in pattern(seed, size))


def pub_line(topic: str, data: bytes) -> str:
    """3.6.10 ``AT+MQTTPUB=<LinkID>,<"topic">,<"data">,<qos>,<retain>`` with QoS 0, no retain."""
    return f'AT+MQTTPUB=0,"{topic}","{data.decode("ascii")}",0,0'


def pub_size(topic: str) -> int:
    """The most data an AT+MQTTPUB line may carry: the line with its CR LF under 256 bytes."""
    return LINE_MAX - len(pub_line(topic, b"")) - 2


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def upload_data(case: Case, total: int) -> bytes:
    return printable(SEED, total) if case.mode == "pub" else pattern(SEED, total)


# --- MQTT upload -----------------------------------------------------------------------------------------


def mqtt_upload(
    dut: AtSession,
    case: Case,
    paho,  # noqa: ANN001 - suites.mqtt.peers.PahoPeer
    data: bytes,
    timeout: float,
) -> tuple[Result, list[Response]]:
    """Publish ``data`` from the board; paho (subscribed to :data:`TOPIC_UP`) must receive exactly it.
    Returns the timed result and the responses (the caller checks their forms after the clock stops)."""
    responses: list[Response] = []
    if case.mode == "pub":
        for chunk in split(data, pub_size(TOPIC_UP)):
            r = dut.cmd(pub_line(TOPIC_UP, chunk), timeout)
            if not r.ok:
                raise TransferError(f"AT+MQTTPUB: expected OK, got {r.final!r}: {r.text[-200:]!r}")
            responses.append(r)
    else:
        for chunk in split(data, PUBRAW_SIZE):
            prompt = dut.cmd(f'AT+MQTTPUBRAW=0,"{TOPIC_UP}",{len(chunk)},0,0', timeout)
            if not prompt.prompt:
                raise TransferError(f"AT+MQTTPUBRAW: expected OK and '>', got {prompt.text!r}")
            verdict = dut.send_data(chunk, timeout)
            if verdict.final != "+MQTTPUB:OK":
                raise TransferError(f"AT+MQTTPUBRAW: expected +MQTTPUB:OK, got {verdict.text!r}")
            responses += [prompt, verdict]
    count = len(split(data, pub_size(TOPIC_UP) if case.mode == "pub" else PUBRAW_SIZE))
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        try:
            got.append(paho.get(max(deadline - time.monotonic(), 0.01)))
        except AssertionError:
            break
    topics = sorted({m.topic for m in got})
    if got and topics != [TOPIC_UP]:
        raise TransferError(f"paho received messages on {topics}, expected only {TOPIC_UP!r}")
    joined = b"".join(m.payload for m in got)
    where = f"paho ({case.name}, {len(got)} of {count} messages)"
    compare_stream(where, len(data), sha256(data), len(joined), sha256(joined))
    stamps = [(m.t, len(m.payload)) for m in got]
    return Result(steady_bytes(stamps, len(data)), span(stamps, case), started=stamps[0][0]), responses


# --- MQTT download ---------------------------------------------------------------------------------------


def mqtt_download(dut: AtSession, case: Case, paho, data: bytes, timeout: float) -> Result:  # noqa: ANN001
    """paho publishes ``data`` to :data:`TOPIC_DOWN` (QoS 1, :data:`SUB_MESSAGE` bytes a message) from
    its own thread; the board's +MQTTSUBRECV reports, in order, must carry exactly it."""
    mark = len(dut.history)
    for message in split(data, SUB_MESSAGE):
        paho.client.publish(TOPIC_DOWN, message, qos=1)  # queued; paho's network thread sends them
    got = bytearray()
    deadline = time.monotonic() + timeout
    while len(got) < len(data) and time.monotonic() < deadline:
        try:
            ev = dut.expect_urc("+MQTTSUBRECV", min(max(deadline - time.monotonic(), 0.01), 5.0))
        except AtError:  # the session's timeout: the rest is not coming
            break
        assert isinstance(ev, Urc)
        if ev.payload is None or ev.fields[1].strip('"') != TOPIC_DOWN:
            raise TransferError(f"unexpected report during the download: {ev.text[:120]!r}")
        if int(ev.fields[2]) != len(ev.payload):
            raise TransferError(f"+MQTTSUBRECV <data_length> {ev.fields[2]} but {len(ev.payload)} bytes")
        got += ev.payload
    compare_stream(f"the host ({case.name})", len(data), sha256(data), len(got), sha256(bytes(got)))
    stamps = [
        (t, len(e.payload))
        for t, e in dut.history[mark:]
        if isinstance(e, Urc) and e.kind == "+MQTTSUBRECV" and e.payload is not None
    ]
    return Result(steady_bytes(stamps, len(data)), span(stamps, case), started=stamps[0][0])


# --- HTTP download ---------------------------------------------------------------------------------------


def http_command(case: Case, url: str) -> tuple[str, str]:
    """The download command of ``case`` and the prefix of its body pieces: AT+HTTPCGET=<"url"> with the
    defaults (3.7.4: <rx size> 2048), or AT+HTTPCLIENT=2,0,<"url">,,,<transport_type> (3.7.2: GET, the
    URL's scheme decides, 1 for http)."""
    if case.mode == "httpcget":
        return f'AT+HTTPCGET="{url}"', "+HTTPCGET"
    return f'AT+HTTPCLIENT=2,0,"{url}",,,1', "+HTTPCLIENT"


def http_download(
    dut: AtSession, case: Case, url: str, data: bytes, timeout: float
) -> tuple[Result, Response]:
    """Download ``url`` (serving ``data``); the pieces joined must be exactly ``data``."""
    line, prefix = http_command(case, url)
    mark = len(dut.history)
    r = dut.cmd(line, timeout)
    if not r.ok:
        raise TransferError(f"{line[:60]}...: expected OK, got {r.final!r}: {r.text[-200:]!r}")
    events = [
        (t, e)
        for t, e in dut.history[mark:]
        if isinstance(e, Line) and e.payload is not None and e.text.startswith(prefix + ":")
    ]
    got = b"".join(e.payload for _, e in events if e.payload is not None)
    compare_stream(f"the host ({case.name})", len(data), sha256(data), len(got), sha256(got))
    stamps = [(t, len(e.payload or b"")) for t, e in events]
    return Result(steady_bytes(stamps, len(data)), span(stamps, case), started=stamps[0][0]), r
