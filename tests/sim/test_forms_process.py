"""Every form of every Basic (3.1) and Wi-Fi (3.2) command of the default ESP32 firmware, sent to a real
simulator process through the AT session: each gets its documented final result and first information line.

The list of forms to cover is the guide's own (spec/, the guide as data): a form documented for the default
firmware and missing here fails the completeness test. Commands the default build leaves out (AT+CWJEAP,
3.2 note) answer ERROR with the unsupported-command code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from rigs.at.session import AtSession
from spec import load_spec
from tests.sim.simproc import SimProcess

MAC = r"([0-9a-f]{2}:){5}[0-9a-f]{2}"
AIR = {
    "access_points": [
        {
            "ssid": "lab",
            "password": "sim-only-pass",
            "channel": 6,
            "network": {"gateway": "127.0.0.1", "netmask": "255.0.0.0", "pool_start": "127.64.0.10"},
        }
    ],
    "stations": [{"mac": "02:00:00:00:10:01", "join_after_s": 0.2}],
    "smartconfig": {"ssid": "lab", "password": "sim-only-pass", "type": "ESPTOUCH", "after_s": 60},
}
JOIN = 'AT+CWJAP="lab","sim-only-pass"'


@dataclass(frozen=True)
class Case:
    command: str
    form: str  # the guide's form kind: test / query / set / execute
    line: str
    first: str | None = None  # regular expression the first information line must match
    final: str = "OK"
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    reboots: bool = False
    err_code: int | None = None
    wait: str | None = None  # a report to wait for after the ``before`` lines

    @property
    def id(self) -> str:
        return f"{self.command}/{self.form}"


CASES = [
    # 3.1 Basic AT commands
    Case("AT", "execute", "AT"),
    Case("AT+RST", "execute", "AT+RST", reboots=True),
    Case("AT+GMR", "execute", "AT+GMR", r"AT version:\S+\(.+\)"),
    Case("AT+CMD", "query", "AT+CMD?", r'\+CMD:0,"AT",0,0,0,1'),
    Case("AT+GSLP", "set", "AT+GSLP=200", "200", reboots=True),
    Case("ATE", "execute", "ATE0", after=("ATE1",)),
    Case("AT+RESTORE", "execute", "AT+RESTORE", reboots=True, after=("AT+CWMODE=3",)),
    Case(
        "AT+SAVETRANSLINK", "set", 'AT+SAVETRANSLINK=1,"127.0.0.1",1002,"TCP"', after=("AT+SAVETRANSLINK=0",)
    ),
    Case("AT+TRANSINTVL", "query", "AT+TRANSINTVL?", r"\+TRANSINTVL:\d+"),
    Case("AT+TRANSINTVL", "set", "AT+TRANSINTVL=0"),
    Case("AT+UART_CUR", "query", "AT+UART_CUR?", r"\+UART_CUR:\d+,8,1,0,0"),
    Case("AT+UART_CUR", "set", "AT+UART_CUR=115200,8,1,0,0"),
    Case("AT+UART_DEF", "query", "AT+UART_DEF?", r"\+UART_DEF:115200,8,1,0,0"),
    Case("AT+UART_DEF", "set", "AT+UART_DEF=115200,8,1,0,0"),
    Case("AT+SLEEP", "query", "AT+SLEEP?", r"\+SLEEP:[0-3]"),
    Case("AT+SLEEP", "set", "AT+SLEEP=0"),
    Case("AT+SYSRAM", "query", "AT+SYSRAM?", r"\+SYSRAM:\d+,\d+"),
    Case("AT+SYSRAM", "set", "AT+SYSRAM=0x1800", r"\+SYSRAM:\d+,\d+,\d+,\d+"),
    Case("AT+SYSMSG", "query", "AT+SYSMSG?", r"\+SYSMSG:\d+"),
    Case("AT+SYSMSG", "set", "AT+SYSMSG=0"),
    Case("AT+SYSMSGFILTER", "query", "AT+SYSMSGFILTER?", r"\+SYSMSGFILTER:[01]"),
    Case("AT+SYSMSGFILTER", "set", "AT+SYSMSGFILTER=0"),
    Case("AT+SYSMSGFILTERCFG", "query", "AT+SYSMSGFILTERCFG?"),
    Case("AT+SYSMSGFILTERCFG", "set", "AT+SYSMSGFILTERCFG=0"),
    Case("AT+SYSFLASH", "query", "AT+SYSFLASH?", r'\+SYSFLASH:"\w+",\d+,\d+,\S+,\S+'),
    Case("AT+SYSFLASH", "set", 'AT+SYSFLASH=2,"fatfs",0,16', r"\+SYSFLASH:16,.{16}$"),
    Case("AT+SYSMFG", "query", "AT+SYSMFG?", r'\+SYSMFG:"\w+"'),
    Case("AT+SYSMFG", "set", "AT+SYSMFG=1", r'\+SYSMFG:"\w+"'),
    Case("AT+RFPOWER", "query", "AT+RFPOWER?", r"\+RFPOWER:\d+,\d+,\d+,\d+"),
    Case("AT+RFPOWER", "set", "AT+RFPOWER=78"),
    Case("AT+RFCAL", "execute", "AT+RFCAL"),
    Case("AT+SYSROLLBACK", "query", "AT+SYSROLLBACK?", r"\+SYSROLLBACK:"),
    # A module flashed once has no valid firmware in its other OTA slot (sim/README.md).
    Case("AT+SYSROLLBACK", "execute", "AT+SYSROLLBACK", final="ERROR"),
    Case("AT+SYSTIMESTAMP", "query", "AT+SYSTIMESTAMP?", r"\+SYSTIMESTAMP:\d+"),
    Case("AT+SYSTIMESTAMP", "set", "AT+SYSTIMESTAMP=1565853509"),
    Case("AT+SYSLOG", "query", "AT+SYSLOG?", r"\+SYSLOG:[01]"),
    Case("AT+SYSLOG", "set", "AT+SYSLOG=0"),
    Case("AT+SLEEPWKCFG", "set", "AT+SLEEPWKCFG=2,12,0"),
    Case("AT+SYSSTORE", "query", "AT+SYSSTORE?", r"\+SYSSTORE:[01]"),
    Case("AT+SYSSTORE", "set", "AT+SYSSTORE=1"),
    Case("AT+SYSREG", "set", "AT+SYSREG=0,0x3FF48000", r"\+SYSREG:\S+"),
    # 3.2 Wi-Fi AT commands
    Case("AT+CWINIT", "query", "AT+CWINIT?", r"\+CWINIT:1"),
    Case("AT+CWINIT", "set", "AT+CWINIT=1"),
    Case("AT+CWMODE", "query", "AT+CWMODE?", r"\+CWMODE:3"),
    Case("AT+CWMODE", "set", "AT+CWMODE=3"),
    Case("AT+CWBANDWIDTH", "query", "AT+CWBANDWIDTH?", r"\+CWBANDWIDTH:[01],[12]"),
    Case("AT+CWBANDWIDTH", "set", "AT+CWBANDWIDTH=0,2"),
    Case("AT+CWSTATE", "query", "AT+CWSTATE?", r'\+CWSTATE:[0-4],".*"'),
    Case("AT+CWCONFIG", "query", "AT+CWCONFIG?", r"\+CWCONFIG:\d+,\d+,\d+"),
    Case("AT+CWCONFIG", "set", "AT+CWCONFIG=300,6,3"),
    Case(
        "AT+CWJAP",
        "query",
        "AT+CWJAP?",
        rf'\+CWJAP:"lab","{MAC}",6,-?\d+,[01],\d+,\d+,[01],\d',
        before=(JOIN,),
    ),
    Case("AT+CWJAP", "set", JOIN),
    Case("AT+CWJAP", "execute", "AT+CWJAP", before=(JOIN, "AT+CWQAP")),
    Case("AT+CWRECONNCFG", "query", "AT+CWRECONNCFG?", r"\+CWRECONNCFG:\d+,\d+"),
    Case("AT+CWRECONNCFG", "set", "AT+CWRECONNCFG=0,0"),
    Case("AT+CWLAPOPT", "set", "AT+CWLAPOPT=1,2047"),
    Case(
        "AT+CWLAP",
        "set",
        'AT+CWLAP="lab"',
        rf'\+CWLAP:\(3,"lab",-?\d+,"{MAC}",6,',
        before=("AT+CWLAPOPT=1,2047",),
    ),
    Case(
        "AT+CWLAP",
        "execute",
        "AT+CWLAP",
        rf'\+CWLAP:\(3,"lab",-?\d+,"{MAC}",6,',
        before=("AT+CWLAPOPT=1,2047",),
    ),
    Case("AT+CWQAP", "execute", "AT+CWQAP"),
    Case("AT+CWSAP", "query", "AT+CWSAP?", r'\+CWSAP:".*",".*",\d+,\d,\d+,[01]'),
    Case("AT+CWSAP", "set", 'AT+CWSAP="sim-ap","12345678",5,3'),
    Case("AT+CWLIF", "execute", "AT+CWLIF"),
    Case("AT+CWQIF", "execute", "AT+CWQIF"),
    Case(
        "AT+CWQIF",
        "set",
        'AT+CWQIF="02:00:00:00:10:01"',
        before=("AT+CWMODE=1", "AT+CWMODE=3"),  # the soft-AP restarts and the air's station joins it
        wait=r'\+DIST_STA_IP:"02:00:00:00:10:01",".*"',
    ),
    Case("AT+CWDHCP", "query", "AT+CWDHCP?", r"\+CWDHCP:\d+"),
    Case("AT+CWDHCP", "set", "AT+CWDHCP=1,3"),
    Case("AT+CWDHCPS", "query", "AT+CWDHCPS?", r"\+CWDHCPS:\d+,"),
    Case("AT+CWDHCPS", "set", 'AT+CWDHCPS=1,3,"127.4.0.10","127.4.0.20"', before=("AT+CWDHCP=1,3",)),
    Case("AT+CWAUTOCONN", "query", "AT+CWAUTOCONN?", r"\+CWAUTOCONN:[01]"),
    Case("AT+CWAUTOCONN", "set", "AT+CWAUTOCONN=1"),
    Case("AT+CWAPPROTO", "query", "AT+CWAPPROTO?", r"\+CWAPPROTO:\d+"),
    Case("AT+CWAPPROTO", "set", "AT+CWAPPROTO=7"),
    Case("AT+CWSTAPROTO", "query", "AT+CWSTAPROTO?", r"\+CWSTAPROTO:\d+"),
    Case("AT+CWSTAPROTO", "set", "AT+CWSTAPROTO=7"),
    Case("AT+CIPSTAMAC", "query", "AT+CIPSTAMAC?", rf'\+CIPSTAMAC:"{MAC}"'),
    Case("AT+CIPSTAMAC", "set", 'AT+CIPSTAMAC="1a:fe:35:98:d3:7b"'),
    Case("AT+CIPAPMAC", "query", "AT+CIPAPMAC?", rf'\+CIPAPMAC:"{MAC}"'),
    Case("AT+CIPAPMAC", "set", 'AT+CIPAPMAC="1a:fe:35:98:d3:7c"'),
    Case("AT+CIPSTA", "query", "AT+CIPSTA?", r'\+CIPSTA:ip:"[\d.]+"'),
    Case("AT+CIPSTA", "set", 'AT+CIPSTA="127.64.0.50"', after=("AT+CWDHCP=1,1",)),
    Case("AT+CIPAP", "query", "AT+CIPAP?", r'\+CIPAP:ip:"[\d.]+"'),
    Case("AT+CIPAP", "set", 'AT+CIPAP="127.4.0.1","127.4.0.1","255.255.255.0"'),
    Case("AT+CWSTARTSMART", "execute", "AT+CWSTARTSMART", before=("AT+CWQAP",), after=("AT+CWSTOPSMART",)),
    Case("AT+CWSTARTSMART", "set", "AT+CWSTARTSMART=1", before=("AT+CWQAP",), after=("AT+CWSTOPSMART",)),
    Case("AT+CWSTOPSMART", "execute", "AT+CWSTOPSMART"),
    Case("AT+WPS", "set", "AT+WPS=0"),
    Case("AT+CWJEAP", "query", "AT+CWJEAP?", final="ERROR", err_code=0x01090000),
    Case(
        "AT+CWJEAP",
        "set",
        'AT+CWJEAP="lab",1,"alice@example.com","alice","secret",0',
        final="ERROR",
        err_code=0x01090000,
    ),
    Case("AT+CWHOSTNAME", "query", "AT+CWHOSTNAME?", r"\+CWHOSTNAME:\S+"),
    Case("AT+CWHOSTNAME", "set", 'AT+CWHOSTNAME="sim-host"'),
    Case("AT+CWCOUNTRY", "query", "AT+CWCOUNTRY?", r'\+CWCOUNTRY:[01],"\w+",\d+,\d+'),
    Case("AT+CWCOUNTRY", "set", 'AT+CWCOUNTRY=0,"CN",1,13'),
]


def test_every_documented_form_is_covered() -> None:
    spec = load_spec()
    documented = {(c.name, f.kind.value) for cs in ("basic", "wifi") for c, f in spec.forms(command_set=cs)}
    covered = {(c.command, c.form) for c in CASES}
    assert documented - covered == set(), "forms of the guide without a case"
    assert covered - documented == set(), "cases for forms the guide does not document"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtSession]:
    tmp: Path = tmp_path_factory.mktemp("forms")
    air = tmp / "air.yaml"
    air.write_text(yaml.safe_dump(AIR))
    with SimProcess("--air", str(air)) as sp, sp.session() as dut:
        yield dut


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_form(board: AtSession, case: Case) -> None:
    dut = board
    dut.cmd("AT+SYSLOG=1").assert_ok()
    dut.cmd("AT+CWMODE=3").assert_ok()
    dut.drain_urcs()
    for line in case.before:
        dut.cmd(line, timeout=15).assert_ok()
    if case.wait is not None:
        dut.expect_urc(case.wait, timeout=15)
    r = dut.cmd(case.line, timeout=15)
    assert r.final == case.final, f"{case.line}: {r.text!r}"
    if case.err_code is not None:
        assert r.err_code == case.err_code
    if case.first is not None:
        first = next((line for line in r.lines if line), None)
        assert first is not None and re.match(case.first, first, re.DOTALL), f"{case.line}: {r.lines!r}"
    if case.reboots:
        dut.expect_urc("ready", timeout=15)
    for line in case.after:
        dut.cmd(line, timeout=15).assert_ok()
    dut.drain_urcs()
    dut.check_violations()
