"""Every catalog fault of the issue-16 command sets (3.6 MQTT, 3.7 HTTP, 3.8 FS, 3.9 WebSocket) does what its
file says before any suite runs it: an output fault changes one faithful stream of those sets' messages, a
misread_line fault changes at least one of the guide's command lines as the firmware reads it.

The stream is written here from the guide, not captured from the simulator: the response templates of
chapter 3.6-3.9 and the transcripts of 4.4 (``+MQTTCONNECTED:0,1,"192.168.3.102","8883","",1``,
``+MQTTSUBRECV:0,"topic",4,test``), 4.8 (``+HTTPCLIENT:35, Date: ...``) and 4.9 (``+WS_DATA:0,4,test``), with
the framing of 3.17 (a final result is CR LF <result> CR LF, the ``>`` prompt is CR LF >)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.faults import load_faults
from tests.tools.test_mutants_rules_apply import ERROR, OK, R, U, Step, misreads_a_line, only_misreads, replay
from sim.output import Kind
from tools.mutants.catalog import Mutant, load_catalog

ROOT = Path(__file__).resolve().parents[2]
SETS = ("mqtt", "http", "fs", "websocket")
PROMPT = (Kind.PROMPT, b"\r\n>")
SEND_OK = (Kind.FINAL, b"\r\nSEND OK\r\n")
SEND_FAIL = (Kind.FINAL, b"\r\nSEND FAIL\r\n")

STREAM: list[Step] = [
    # 3.6 MQTT: read-backs (3.6.2, 3.6.9, 3.6.12), 4.4.1's connection and message, 3.6.11, 3.6.15 refusal
    ('AT+MQTTUSERCFG=0,1,"ESP32","espressif","1234567890",0,0,""', [OK]),
    ("AT+MQTTUSERCFG?", [(R, b'+MQTTUSERCFG:0,1,"ESP32","espressif","1234567890",0,0,""\r\n'), OK]),
    ('AT+MQTTCONN=0,"192.168.3.102",8883,1', [(U, b'+MQTTCONNECTED:0,1,"192.168.3.102","8883","",1\r\n'), OK]),
    ("AT+MQTTCONN?", [(R, b'+MQTTCONN:0,4,1,"192.168.3.102",8883,"",1\r\n'), OK]),
    ('AT+MQTTSUB=0,"topic",1', [OK]),
    ("AT+MQTTSUB?", [(R, b'+MQTTSUB:0,6,"topic",1\r\n'), OK]),
    (None, [(U, b'+MQTTSUBRECV:0,"topic",4,test\r\n')]),
    (None, [(U, b'+MQTTSUBRECV:0,"topic",9,123456789\r\n')]),
    ('AT+MQTTPUB=0,"topic","test",1,1', [OK]),
    ('AT+MQTTPUBRAW=0,"topic",4,1,0', [OK, PROMPT, (U, b"+MQTTPUB:OK\r\n")]),
    ("AT+MQTTCLEAN=1", [(R, b"ERR CODE:0x010a6011\r\n"), ERROR]),
    (None, [(U, b"+MQTTDISCONNECTED:0\r\n")]),
    # 3.7 HTTP: 4.8.1's HEAD headers, 3.7.3 size, 3.7.4 pieces, 3.7.5 upload, read-backs, 3.7.10 failure
    ('AT+HTTPCLIENT=1,0,"http://httpbin.org/get","httpbin.org","/get",1', [
        (R, b"+HTTPCLIENT:35, Date: Sun, 26 Sep 2021 06:59:13 GMT\r\n"),
        (R, b"+HTTPCLIENT:30, Content-Type: application/json\r\n"),
        (R, b"+HTTPCLIENT:19, Content-Length: 329\r\n"),
        OK,
    ]),
    ('AT+HTTPCLIENT=2,0,"http://httpbin.org/get","httpbin.org","/get",1', [
        (R, b'+HTTPCLIENT:18,{"args": {}, "x": 7}\r\n'), OK]),
    ('AT+HTTPGETSIZE="http://httpbin.org/get"', [(R, b"+HTTPGETSIZE:329\r\n"), OK]),
    ('AT+HTTPCGET="http://httpbin.org/get"', [(R, b"+HTTPCGET:10,0123456789\r\n"), (R, b"+HTTPCGET:3,abc\r\n"), OK]),
    ('AT+HTTPCPOST="http://httpbin.org/post",4', [OK, PROMPT, (R, b"\r\nRecv 4 bytes\r\n"), SEND_OK]),
    ('AT+HTTPCPUT="http://httpbin.org/put",4', [OK, PROMPT, (R, b"\r\nRecv 4 bytes\r\n"), SEND_FAIL]),
    ("AT+HTTPURLCFG?", [(R, b"+HTTPURLCFG:22,http://httpbin.org/get\r\n"), OK]),
    ("AT+HTTPCHEAD?", [(R, b'+HTTPCHEAD:0,"Range: bytes=100-199"\r\n'), OK]),
    ('AT+HTTPCGET="http://httpbin.org/status/404"', [(R, b"ERR CODE:0x010a7194\r\n"), ERROR]),
    # 3.9 WebSocket: 3.9.3 read-back, 4.9.1's open, data and close, 3.9.5's data phase, a 3.1 refusal
    ("AT+WSHEAD?", [(R, b'+WSHEAD:0,"Sec-WebSocket-Key: 1234567890123456"\r\n'), OK]),
    ('AT+WSOPEN=0,"ws://192.168.3.102:8080/ws"', [(R, b"+WS_CONNECTED:0\r\n"), OK]),
    ("AT+WSSEND=0,4,1", [OK, PROMPT, (R, b"\r\nSEND OK\r\n")]),
    (None, [(U, b"+WS_DATA:0,4,test\r\n")]),
    ("AT+WSSEND=0,4,2", [OK, PROMPT, (R, b"\r\nSEND OK\r\n")]),
    ("AT+WSSEND=0,0,9", [OK, PROMPT, (R, b"\r\nSEND OK\r\n")]),
    ("AT+WSCLOSE=0", [(U, b"+WS_CLOSED:0\r\n"), OK]),
    ('AT+WSOPEN=5,"ws://x"', [(R, b"ERR CODE:0x01070001\r\n"), ERROR]),
    # 3.8 FS: the command's examples (delete, write at an offset, read, list) and the size query, 3.8.3
    ('AT+FS=0,1,"filename",100,10', [OK, PROMPT, SEND_OK]),
    ('AT+FS=0,2,"filename",0,100', [(R, b"+FS:10,0123456789\r\n"), OK]),
    ('AT+FS=0,3,"filename"', [(R, b"+FS:110\r\n"), OK]),
    ('AT+FS=0,4,"."', [(R, b"+FS:filename\r\n"), (R, b"+FS:other\r\n"), OK]),
    ('AT+FS=0,0,"filename"', [OK]),
    ('AT+FS=0,7,"filename"', [(R, b"ERR CODE:0x01070002\r\n"), ERROR]),
    ("AT+FSMOUNT=0", [OK]),
]


def faults() -> list[Mutant]:
    return [m for m in load_catalog(root=ROOT) if m.meta.command_set in SETS]


def test_there_are_at_least_thirty_faults_across_the_four_sets() -> None:
    found = faults()
    assert len(found) >= 30
    assert {m.meta.command_set for m in found} == set(SETS)
    for m in found:
        # the command set's own folder, on the build that has it
        assert tuple(m.meta.select.paths) == (f"suites/{m.meta.command_set}",), m.id


@pytest.mark.parametrize("mutant", faults(), ids=lambda m: m.id)
def test_fault_changes_the_faithful_stream(mutant: Mutant) -> None:
    engine = load_faults(mutant.path)
    if only_misreads(engine):
        assert misreads_a_line(engine, STREAM), f"{mutant.id}: no command line of the stream is read wrong"
        return
    assert replay(engine, STREAM) != replay(None, STREAM), f"{mutant.id}: its rules leave the stream unchanged"


def test_off_by_one_lengths_and_dropped_bytes() -> None:
    def out(fault_id: str) -> bytes:
        return replay(load_faults(ROOT / "tools" / "mutants" / "catalog" / f"{fault_id}.yaml"), STREAM)

    got = out("mqtt-subrecv-length-one-more")
    assert b'+MQTTSUBRECV:0,"topic",5,test\r\n' in got and b'"topic",8,123456789' in got
    assert b'+MQTTSUBRECV:0,"topic",4,tes\r\n' in out("mqtt-subrecv-last-byte-dropped")
    assert b"+HTTPGETSIZE:328\r\n" in out("http-getsize-off-by-one")
    assert b"+FS:111\r\n" in out("fs-size-off-by-one") and b"+FS:11,0123456789\r\n" in out("fs-read-length-one-more")
    assert b"+WS_DATA:0,4,tes\r\n" in out("websocket-data-last-byte-dropped")
    assert b"OK\r\n+WS_CONNECTED:0\r\n" in out("websocket-ok-before-connected")
