"""3.3 TCP/IP configuration commands: set, query after set, boundary values, defaults, invalid invocations
with their ERR CODE (3.1.26), and persistence across AT+RST under AT+SYSSTORE=0/1 (3.1.28, 3.16).

Each set is followed by the query, whose whole response must match the form's template and carry the
values just set (the query line is also compared with the line the guide's format gives for them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fixtures.cases import InvalidCase, invalid_cases
from fixtures.suite import restart, restore_defaults
from spec import load_spec
from suites.tcpip.links import takes_link_id

pytestmark = [pytest.mark.tcpip, pytest.mark.usefixtures("fresh_board")]


@pytest.fixture(autouse=True)
def factory_state(dut, esp_rig) -> None:
    """Each case starts from the factory settings: AT+CIPMUX, AT+CIPMODE and the per-link settings of one
    case change which syntax the next one must use (3.3: single vs multiple connections)."""
    restore_defaults(dut, esp_rig)


@dataclass(frozen=True)
class Config:
    """A set form, the query that reads it back and the line the guide's query format gives."""

    command: str
    args: str
    query_line: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    variant_id: str = ""
    #: the guide's query line lists the value of every link (<persist_link>[...], <idx>): compare the start
    per_link: bool = False
    #: the form needs an address on the station interface (a server binds it)
    joined: bool = False
    #: the query line on a release whose command has no <link ID> (v3.2.0.0's AT+CIPRECVMODE=<mode>,
    #: "+CIPRECVMODE:<mode>", its TCP-IP_AT_Commands.rst:2090; issue 19); None: the same as query_line
    query_line_without_link_id: str | None = None
    marks: list[object] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.command}/set/{self.variant_id or self.args}"


#: commands whose arguments here (CONFIGS, VALID, PERSISTENT) set a parameter an older release's command
#: lacks (issue 19: v2.2.0.0_esp32's AT+CIPTCPOPT has no <keep_alive>, its TCP-IP_AT_Commands.rst:2064):
#: those cases skip there, naming it
SETS_PARAM = {"AT+CIPTCPOPT": "keep_alive"}

CONFIGS = [
    Config("AT+CIPV6", "1", "+CIPV6:1"),
    Config("AT+CIPV6", "0", "+CIPV6:0"),
    Config("AT+CIPSENDLCFG", "2048,1000", "+CIPSENDLCFG:2048,1000"),
    Config("AT+CIPSENDLCFG", "1024,100", "+CIPSENDLCFG:1024,100", variant_id="transmit-size-min"),
    Config("AT+CIPSENDLCFG", "1024,2920", "+CIPSENDLCFG:1024,2920", variant_id="transmit-size-max"),
    Config("AT+CIPSENDLCFG", "512", "+CIPSENDLCFG:512,2920", variant_id="transmit-size-omitted"),
    Config("AT+CIPCONNPERSIST", "1", "+CIPCONNPERSIST:1", per_link=True),
    Config("AT+CIPMUX", "1", "+CIPMUX:1"),
    Config("AT+CIPMUX", "0", "+CIPMUX:0"),
    Config("AT+CIPSERVERMAXCONN", "1", "+CIPSERVERMAXCONN:1", before=("AT+CIPMUX=1",)),
    Config("AT+CIPSERVERMAXCONN", "5", "+CIPSERVERMAXCONN:5", before=("AT+CIPMUX=1",)),
    Config("AT+CIPMODE", "1", "+CIPMODE:1"),
    Config("AT+CIPMODE", "0", "+CIPMODE:0"),
    Config(
        "AT+CIPSTO",
        "0",
        "+CIPSTO:0",
        before=("AT+CIPMUX=1", "AT+CIPSERVER=1,{port}"),
        after=("AT+CIPSERVER=0,1",),
        joined=True,
    ),
    Config(
        "AT+CIPSTO",
        "7200",
        "+CIPSTO:7200",
        before=("AT+CIPMUX=1", "AT+CIPSERVER=1,{port}"),
        after=("AT+CIPSERVER=0,1",),
        joined=True,
    ),
    Config(
        "AT+CIPSNTPCFG",
        '1,8,"ntp.lab.test","time.lab.test"',
        '+CIPSNTPCFG:1,8,"ntp.lab.test","time.lab.test"',
    ),
    Config(
        "AT+CIPSNTPCFG",
        '1,-5,"ntp.lab.test"',
        '+CIPSNTPCFG:1,-5,"ntp.lab.test"',
        variant_id="negative-timezone",
    ),
    Config("AT+CIPSNTPINTV", "15", "+CIPSNTPINTV:15"),
    Config("AT+CIPSNTPINTV", "4294967", "+CIPSNTPINTV:4294967"),
    Config("AT+CIPDINFO", "1", "+CIPDINFO:true"),
    Config("AT+CIPDINFO", "0", "+CIPDINFO:false"),
    Config("AT+CIPSSLCCONF", "3,0,0", "+CIPSSLCCONF:0,3,0,0"),
    Config("AT+CIPSSLCCN", '"esp.lab.test"', '+CIPSSLCCN:0,"esp.lab.test"'),
    Config("AT+CIPSSLCSNI", '"esp.lab.test"', '+CIPSSLCSNI:0,"esp.lab.test"'),
    Config("AT+CIPSSLCALPN", '2,"h2","http/1.1"', '+CIPSSLCALPN:0,"h2","http/1.1"'),
    Config("AT+CIPSSLCPSK", '"psk-id","hint-1"', '+CIPSSLCPSK:0,"psk-id","hint-1"'),
    Config("AT+CIPSSLCCIPHER", "1,0xC02F", "+CIPSSLCCIPHER:0,0xC02F", per_link=True),
    Config("AT+CIPRECONNINTV", "1", "+CIPRECONNINTV:1"),
    Config("AT+CIPRECONNINTV", "36000", "+CIPRECONNINTV:36000"),
    Config("AT+CIPRECVMODE", "1", "+CIPRECVMODE:0,1", query_line_without_link_id="+CIPRECVMODE:1"),
    Config("AT+CIPDNS", '1,"208.67.222.222","8.8.8.8"', '+CIPDNS:1,"208.67.222.222","8.8.8.8"'),
    Config("AT+CIPTCPOPT", "-1,1,0,60", "+CIPTCPOPT:0,-1,1,0,60"),
]


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(
            c, id=c.id, marks=[pytest.mark.form(c.command, "set"), pytest.mark.form(c.command, "query")]
        )
        for c in CONFIGS
    ],
)
def test_set_then_query(dut, expect, esp_rig, request, config: Config) -> None:
    """Set, then the query reads back what was set, in the query form's format."""
    if config.command in SETS_PARAM:
        expect.require_param(config.command, SETS_PARAM[config.command])
    if config.joined:
        request.getfixturevalue("joined")
    port = 42000 + (abs(hash(config.id)) % 1000)
    for line in config.before:
        dut.cmd(line.format(port=port)).assert_ok()
    expect.ok(dut.cmd(f"{config.command}={config.args}"), config.command, "set")
    query = dut.cmd(f"{config.command}?")
    expect.ok(query, config.command, "query")
    info = [line for line in query.lines if line]
    want = config.query_line
    if config.query_line_without_link_id is not None and not takes_link_id(expect, config.command):
        want = config.query_line_without_link_id
    found = any(ln.startswith(want) for ln in info) if config.per_link else want in info
    assert found, (
        f"{config.command}? after {config.command}={config.args}: expected the line {want!r} "
        f"(3.3 query format with the values set); got {info}"
    )
    for line in config.after:
        dut.cmd(line).assert_ok()


#: (command, query line of the factory default, as the guide's parameter lists give the defaults)
DEFAULTS = [
    ("AT+CIPV6", "+CIPV6:0"),
    ("AT+CIPSENDLCFG", "+CIPSENDLCFG:1024,2920"),
    ("AT+CIPMUX", "+CIPMUX:0"),
    ("AT+CIPMODE", "+CIPMODE:0"),
    ("AT+CIPDINFO", "+CIPDINFO:false"),
    ("AT+CIPRECONNINTV", "+CIPRECONNINTV:1"),
    ("AT+CIPSERVERMAXCONN", "+CIPSERVERMAXCONN:5"),
    ("AT+CIPSERVER", "+CIPSERVER:0"),
    ("AT+CIPSTATE", None),
    ("AT+CIPRECVLEN", None),
    ("AT+CIPCONNPERSIST", None),
    ("AT+CIPSNTPCFG", None),
    ("AT+CIPSNTPINTV", None),
    ("AT+CIPSSLCCONF", None),
    ("AT+CIPSSLCCIPHER", None),
    ("AT+CIPSSLCCN", None),
    ("AT+CIPSSLCSNI", None),
    ("AT+CIPSSLCALPN", None),
    ("AT+CIPSSLCPSK", None),
    ("AT+CIPRECVMODE", None),
    ("AT+CIPDNS", None),
    ("AT+CIPTCPOPT", None),
]


@pytest.mark.parametrize(
    ("command", "line"),
    [pytest.param(c, ln, id=f"{c}/query/default", marks=pytest.mark.form(c, "query")) for c, ln in DEFAULTS],
)
def test_query_default(dut, expect, command: str, line: str | None) -> None:
    """The query of a factory-fresh board matches the form's template (and the documented default)."""
    r = dut.cmd(f"{command}?")
    expect.ok(r, command, "query")
    if line is not None:
        assert line in r.lines, f"{command}?: expected the default {line!r}, got {r.lines}"


#: 3.3.38 AT+CIPDNS <enable>: the servers a board uses, and reports, while none was set and DHCP gave none
DEFAULT_DNS_SERVERS = ["208.67.222.222", "114.114.114.114", "8.8.8.8"]


@pytest.mark.form("AT+CIPDNS", "query")
def test_query_default_dns_servers(dut, expect) -> None:
    """After AT+RESTORE, with no station joined (so no DHCP-given servers), AT+CIPDNS? lists the guide's
    three default DNS servers, in order (3.3.38 <enable>)."""
    r = dut.cmd("AT+CIPDNS?")
    match = expect.ok(r, "AT+CIPDNS", "query")
    servers = [match.get(f"DNS IP{i}") for i in (1, 2, 3)]
    assert servers == DEFAULT_DNS_SERVERS, (
        f"AT+CIPDNS? on a factory-fresh board: expected the default servers {DEFAULT_DNS_SERVERS} "
        f"(3.3.38); got {servers} in {r.lines}"
    )


#: 3.3.20 AT+CIPSNTPCFG notes: the servers used while none is configured
DEFAULT_SNTP_SERVERS = ("cn.ntp.org.cn", "ntp.sjtu.edu.cn", "us.pool.ntp.org")


@pytest.mark.form("AT+CIPSNTPCFG", "query")
def test_query_default_sntp_servers(dut, expect) -> None:
    """After AT+RESTORE no SNTP server is configured, so every server AT+CIPSNTPCFG? lists is one of the
    guide's default servers (3.3.20 notes), each a whole host name (two fields never run into one)."""
    r = dut.cmd("AT+CIPSNTPCFG?")
    match = expect.ok(r, "AT+CIPSNTPCFG", "query")
    listed = [match.get(f"SNTP server{i}") for i in (1, 2, 3)]
    unknown = [s for s in listed if s is not None and s not in DEFAULT_SNTP_SERVERS]
    assert not unknown, (
        f"AT+CIPSNTPCFG? on a factory-fresh board: expected servers among the defaults "
        f"{list(DEFAULT_SNTP_SERVERS)} (3.3.20); got {unknown} in {r.lines}"
    )


# --- invalid invocations -----------------------------------------------------------------------------

#: one valid invocation per set form (arguments as on the wire) around which the cases are generated
VALID = [
    ("AT+CIPV6", 0, ["1"]),
    ("AT+CIPSENDLCFG", 0, ["1024", "2920"]),
    ("AT+CIPCONNPERSIST", 0, ["1"]),
    ("AT+CIPMUX", 0, ["1"]),
    ("AT+CIPSERVERMAXCONN", 0, ["2"]),
    ("AT+CIPMODE", 0, ["1"]),
    ("AT+CIPSNTPCFG", 0, ["1", "8", '"ntp.lab.test"']),
    ("AT+CIPSNTPINTV", 0, ["3600"]),
    ("AT+CIPDINFO", 0, ["1"]),
    ("AT+CIPSSLCCONF", 0, ["3", "0", "0"]),
    ("AT+CIPSSLCCN", 0, ['"esp.lab.test"']),
    ("AT+CIPSSLCSNI", 0, ['"esp.lab.test"']),
    ("AT+CIPSSLCALPN", 0, ["1", '"h2"']),
    ("AT+CIPSSLCPSK", 0, ['"psk-id"', '"hint-1"']),
    ("AT+CIPRECONNINTV", 0, ["10"]),
    ("AT+CIPRECVMODE", 0, ["1"]),
    ("AT+CIPDNS", 0, ["1", '"208.67.222.222"']),
    ("AT+CIPDOMAIN", 0, ['"esp-at-lab.test"', "1", "1000"]),
    ("AT+PING", 0, ['"127.0.0.1"']),
    ("AT+CIPSTART", 0, ['"TCP"', '"127.0.0.1"', "1", "60"]),
    ("AT+CIPCLOSE", 0, ["0"]),
    ("AT+CIPSERVER", 0, ["0"]),
    ("AT+CIPSTO", 0, ["10"]),
    ("AT+CIPTCPOPT", 0, ["-1", "0", "0", "0"]),
    ("AT+CIPSSLCCIPHER", 0, ["1", "0xC02F"]),
    ("AT+CIPRECVDATA", 0, ["10"]),
    ("AT+MDNS", 0, ["0"]),
]


def _invalid() -> list[object]:
    spec = load_spec()
    out: list[object] = []
    for name, index, args in VALID:
        command = spec.command(name)
        form = command.form("set")
        assert form is not None
        for case in invalid_cases(command, form.syntax[index], args):
            out.append(pytest.param(case, id=f"{name}/set/{case.id}", marks=pytest.mark.form(name, "set")))
    return out


@pytest.mark.parametrize("case", _invalid())
def test_invalid_set(dut, err_code, expect, esp_rig, case: InvalidCase) -> None:
    """An invalid invocation: ERROR, and with AT+SYSLOG=1 the ERR CODE of its class (3.1.26)."""
    command = case.line.partition("=")[0]
    if command in SETS_PARAM:  # the valid args the case is made from set it
        expect.require_param(command, SETS_PARAM[command])
    r = dut.cmd(case.line, esp_rig.targets.timeouts.connect)
    err_code(r, case.err_name, case.param_index, **case.expect_kwargs())


# --- persistence (3.16, 3.1.28) ----------------------------------------------------------------------

#: (command, a non-default value, its query line, the default's query line); the spec's persistence field
#: says whether AT+SYSSTORE=1 keeps it across a restart.
PERSISTENT = [
    ("AT+CIPV6", "1", "+CIPV6:1", "+CIPV6:0"),
    ("AT+CIPRECONNINTV", "20", "+CIPRECONNINTV:20", "+CIPRECONNINTV:1"),
    ("AT+CIPSSLCCONF", "3,0,0", "+CIPSSLCCONF:0,3,0,0", None),
    ("AT+CIPDNS", '1,"208.67.222.222"', '+CIPDNS:1,"208.67.222.222"', None),
    ("AT+CIPTCPOPT", "-1,1,0,60", "+CIPTCPOPT:0,-1,1,0,60", None),
    ("AT+CIPMODE", "1", "+CIPMODE:1", "+CIPMODE:0"),
]


@pytest.mark.parametrize("sysstore", [1, 0], ids=["sysstore1", "sysstore0"])
@pytest.mark.parametrize(
    ("command", "args", "line", "default"),
    [pytest.param(*p, id=f"{p[0]}/set/persistence", marks=pytest.mark.form(p[0], "set")) for p in PERSISTENT],
)
def test_persistence(dut, esp_rig, spec, expect, command, args, line, default, sysstore) -> None:
    """Across AT+RST a value survives only when the command saves to flash and AT+SYSSTORE=1 (3.1.28)."""
    if command in SETS_PARAM:
        expect.require_param(command, SETS_PARAM[command])
    persistence = spec.command(command).persistence
    saved = persistence is not None and (
        persistence.value == "flash" or (persistence.value == "sysstore" and sysstore)
    )
    dut.cmd(f"AT+SYSSTORE={sysstore}").assert_ok()
    try:
        expect.ok(dut.cmd(f"{command}={args}"), command, "set")
        restart(dut, esp_rig)
        after = [ln for ln in dut.cmd(f"{command}?").assert_ok().lines if ln]
        if saved:
            assert line in after, (
                f"{command} ({persistence}) with AT+SYSSTORE={sysstore}: {line!r} lost by AT+RST: {after}"
            )
        else:
            assert line not in after, (
                f"{command} ({persistence}) with AT+SYSSTORE={sysstore}: {line!r} kept across AT+RST"
            )
            if default is not None:
                assert default in after, (
                    f"{command}: expected the default {default!r} after AT+RST, got {after}"
                )
    finally:
        dut.cmd("AT+SYSSTORE=1")
        dut.cmd("AT+RESTORE")
        dut.expect_urc("ready", esp_rig.targets.timeouts.ready)
