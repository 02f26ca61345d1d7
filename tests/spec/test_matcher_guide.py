"""Real response templates of the guide (chapter 3), with responses shaped like the guide's examples.

The templates are the "Response:" blocks verbatim; the ParamSpecs carry the facts of each command's
"Parameters" list. GUIDE is also used by test_template_render.py.
"""

from dataclasses import dataclass

import pytest

from spec.matcher import MatchError, match
from spec.params import ParamSpec, ParamType
from spec.template import Template, compile_template

P = ParamSpec


def _specs(*specs: ParamSpec) -> dict[str, ParamSpec]:
    return {s.name: s for s in specs}


IP = P(name="ip", type=ParamType.IP, quoted=True)
MAC = P(name="mac", type=ParamType.MAC, quoted=True)
LINK_ID = P(name="link ID", range=[0, 4])


@dataclass(frozen=True)
class GuideTemplate:
    command: str
    text: str
    params: dict[str, ParamSpec]

    def compile(self) -> Template:
        return compile_template(self.text, self.params)


GUIDE = {
    # 3.2 AT+CWMODE? (Wi-Fi_AT_Commands.rst)
    "AT+CWMODE?": GuideTemplate(
        "AT+CWMODE?",
        "+CWMODE:<mode>\n\nOK",
        _specs(P(name="mode", enum={0: "null", 1: "station", 2: "softap", 3: "softap+station"})),
    ),
    # AT+CIPSTA? lists ip, gateway, netmask, then the IPv6 addresses.
    "AT+CIPSTA?": GuideTemplate(
        "AT+CIPSTA?",
        '+CIPSTA:ip:<"ip">\n+CIPSTA:gateway:<"gateway">\n+CIPSTA:netmask:<"netmask">\n'
        '+CIPSTA:ip6ll:<"ipv6 addr">\n+CIPSTA:ip6gl:<"ipv6 addr">\n\nOK',
        _specs(
            IP,
            P(name="gateway", type=ParamType.IP, quoted=True),
            P(name="netmask", type=ParamType.IP, quoted=True),
            P(name="ipv6 addr", type=ParamType.IPV6, quoted=True),
        ),
    ),
    "AT+CWJAP?": GuideTemplate(
        "AT+CWJAP?",
        '+CWJAP:<"ssid">,<"bssid">,<channel>,<rssi>,<pci_en>,<reconn_interval>,<listen_interval>,'
        "<scan_mode>,<pmf>\nOK",
        _specs(
            P(name="ssid", type=ParamType.STR, quoted=True, max_len=32),
            P(name="bssid", type=ParamType.MAC, quoted=True),
            P(name="channel", range=[1, 14]),
            P(name="rssi", range=[-128, 0]),
            P(name="pci_en", type=ParamType.BOOL),
            P(name="reconn_interval", enum={0: "no reconnection"}, range=[1, 7200], unit="second"),
            P(name="listen_interval", range=[1, 100]),
            P(name="scan_mode", enum={0: "fast scan", 1: "all-channel scan"}),
            P(name="pmf", bits={0: "capable", 1: "required"}),
        ),
    ),
    # AT+CWLAP prints one line per AP: the explicit {*} mark says 0..n.
    "AT+CWLAP": GuideTemplate(
        "AT+CWLAP",
        '+CWLAP:(<ecn>,<"ssid">,<rssi>,<"mac">,<channel>,<freq_offset>,<freqcal_val>,<pairwise_cipher>,'
        "<group_cipher>,<wifi_protocol>,<wps>){*}\n\nOK",
        _specs(
            P(name="ecn", range=[0, 15]),
            P(name="ssid", type=ParamType.STR, quoted=True, max_len=32),
            P(name="rssi", range=[-128, 0]),
            MAC,
            P(name="channel", range=[1, 14]),
            P(name="freq_offset"),
            P(name="freqcal_val"),
            P(name="pairwise_cipher", range=[0, 7]),
            P(name="group_cipher", range=[0, 7]),
            P(name="wifi_protocol", bits={i: f"bit{i}" for i in range(7)}),
            P(name="wps", type=ParamType.BOOL),
        ),
    ),
    # AT+CIPSTATE? prints one line per link; with no connection only OK (two Response blocks).
    "AT+CIPSTATE?": GuideTemplate(
        "AT+CIPSTATE?",
        '+CIPSTATE:<link ID>,<"type">,<"remote IP">,<remote port>,<local port>,<tetype>{*}\n\nOK',
        _specs(
            LINK_ID,
            P(
                name="type",
                type=ParamType.STR,
                quoted=True,
                enum={t: "" for t in ("TCP", "TCPv6", "UDP", "UDPv6", "SSL", "SSLv6")},
            ),
            P(name="remote IP", type=ParamType.STR, quoted=True),
            P(name="remote port", range=[0, 65535]),
            P(name="local port", range=[0, 65535]),
            P(name="tetype", enum={0: "client", 1: "server"}),
        ),
    ),
    "AT+GMR": GuideTemplate(
        "AT+GMR",
        "<AT version info>\n<SDK version info>\n<compile time>\n"
        "Bin version:<Bin version>(<module_name>)\n\nOK",
        _specs(
            P(name="AT version info", type=ParamType.STR),
            P(name="SDK version info", type=ParamType.STR),
            P(name="compile time", type=ParamType.STR),
            P(name="Bin version", type=ParamType.STR, max_len=32),
            P(name="module_name", type=ParamType.STR),
        ),
    ),
    # AT+CIFSR: which lines appear depends on the mode and on IPv6; here as optional lines.
    "AT+CIFSR": GuideTemplate(
        "AT+CIFSR",
        '[+CIFSR:APIP,<"APIP">]\n[+CIFSR:APIP6LL,<"APIP6LL">]\n[+CIFSR:APMAC,<"APMAC">]\n'
        '[+CIFSR:STAIP,<"STAIP">]\n[+CIFSR:STAIP6LL,<"STAIP6LL">]\n[+CIFSR:STAMAC,<"STAMAC">]\n\nOK',
        _specs(
            P(name="APIP", type=ParamType.IP, quoted=True),
            P(name="APIP6LL", type=ParamType.IPV6, quoted=True),
            P(name="APMAC", type=ParamType.MAC, quoted=True),
            P(name="STAIP", type=ParamType.IP, quoted=True),
            P(name="STAIP6LL", type=ParamType.IPV6, quoted=True),
            P(name="STAMAC", type=ParamType.MAC, quoted=True),
        ),
    ),
    "AT+SYSTIMESTAMP?": GuideTemplate(
        "AT+SYSTIMESTAMP?",
        "+SYSTIMESTAMP:<Unix_timestamp>\nOK",
        _specs(P(name="Unix_timestamp", range=[0, 2**32 - 1], unit="second")),
    ),
    "AT+CIPSNTPTIME?": GuideTemplate(
        "AT+CIPSNTPTIME?",
        "+CIPSNTPTIME:<asctime style time>\nOK",
        _specs(P(name="asctime style time", type=ParamType.STR)),
    ),
    "AT+UART_CUR?": GuideTemplate(
        "AT+UART_CUR?",
        "+UART_CUR:<baudrate>,<databits>,<stopbits>,<parity>,<flow control>\n\nOK",
        _specs(
            P(name="baudrate", range=[80, 5000000]),
            P(name="databits", range=[5, 8]),
            P(name="stopbits", range=[1, 3]),
            P(name="parity", enum={0: "none", 1: "odd", 2: "even"}),
            P(name="flow control", enum={0: "none", 1: "RTS", 2: "CTS", 3: "RTS and CTS"}),
        ),
    ),
    "AT+CIPSNTPCFG?": GuideTemplate(
        "AT+CIPSNTPCFG?",
        '+CIPSNTPCFG:<enable>,<timezone>[,<"SNTP server1">][,<"SNTP server2">][,<"SNTP server3">]\nOK',
        _specs(
            P(name="enable", type=ParamType.BOOL),
            P(name="timezone", range=[[-12, 14], [-1200, 1400]]),
            P(name="SNTP server1", type=ParamType.STR, quoted=True),
            P(name="SNTP server2", type=ParamType.STR, quoted=True),
            P(name="SNTP server3", type=ParamType.STR, quoted=True),
        ),
    ),
    "AT+CIPRECVLEN?": GuideTemplate(
        "AT+CIPRECVLEN?",
        "+CIPRECVLEN:<data length of link>[...][,<data length of link>]\n\nOK",
        _specs(P(name="data length of link", range=[-1, 2**31 - 1])),
    ),
    # MQTTSUB? shows topics one per line, with the guide's own "..." line.
    "AT+MQTTSUB?": GuideTemplate(
        "AT+MQTTSUB?",
        '+MQTTSUB:<LinkID>,<state>,<"topic1">,<qos>\n...\nOK',
        _specs(
            P(name="LinkID", range=[0, 0]),
            P(name="state", range=[0, 7]),
            P(name="topic1", type=ParamType.STR, quoted=True),
            P(name="qos", range=[0, 2]),
        ),
    ),
}

CIPSTA_LINES = [
    '+CIPSTA:ip:"192.168.3.112"',
    '+CIPSTA:gateway:"192.168.3.1"',
    '+CIPSTA:netmask:"255.255.255.0"',
    '+CIPSTA:ip6ll:"fe80::260a:c4ff:fe00:1"',
    '+CIPSTA:ip6gl:"240e:3a1:2070:11c0::1"',
    "",
    "OK",
]
CWJAP_LINE = '+CWJAP:"Wi-Fi","ca:d7:19:d8:a6:44",6,-60,0,1,3,0,1'
CWLAP_LINE = '+CWLAP:(3,"Wi-Fi",-60,"ca:d7:19:d8:a6:44",6,-1,-1,4,4,7,0)'
GMR_LINES = [
    "AT version:2.2.0.0-dev(ca41ec4 - ESP32 - Sep 16 2020 11:28:17)",
    "SDK version:v4.0.1-193-ge7ac221b4",
    "compile time(98b95fc):Oct 29 2020 11:23:25",
    "Bin version:2.1.0(MINI-1)",
    "",
    "OK",
]


@pytest.mark.parametrize("command", sorted(GUIDE))
def test_every_guide_template_compiles_strictly(command: str) -> None:
    assert GUIDE[command].compile().placeholders()


def test_cwmode_query() -> None:
    m = match(GUIDE["AT+CWMODE?"].compile(), ["+CWMODE:3", "", "OK"])
    assert m["mode"] == 3
    assert m.captures[0].label == "softap+station"


def test_cipsta_query_captures_each_address() -> None:
    m = match(GUIDE["AT+CIPSTA?"].compile(), CIPSTA_LINES)
    assert (m["ip"], m["gateway"], m["netmask"]) == ("192.168.3.112", "192.168.3.1", "255.255.255.0")
    assert m.all("ipv6 addr") == ["fe80::260a:c4ff:fe00:1", "240e:3a1:2070:11c0::1"]


def test_cwjap_query() -> None:
    m = match(GUIDE["AT+CWJAP?"].compile(), [CWJAP_LINE, "OK"])
    assert m.values == {
        "ssid": "Wi-Fi",
        "bssid": "ca:d7:19:d8:a6:44",
        "channel": 6,
        "rssi": -60,
        "pci_en": 0,
        "reconn_interval": 1,
        "listen_interval": 3,
        "scan_mode": 0,
        "pmf": 1,
    }


@pytest.mark.parametrize(
    ("ssid_on_wire", "ssid"),
    [
        ('"my,ap"', "my,ap"),  # a comma inside the quotes is not a separator
        ('"say "hi""', 'say "hi"'),  # responses print quotes raw
        ('"a",-5"', 'a",-5'),  # looks like a field boundary, but the rest would not parse
        ('""', ""),
    ],
)
def test_cwjap_ssid_with_separators(ssid_on_wire: str, ssid: str) -> None:
    line = f'+CWJAP:{ssid_on_wire},"ca:d7:19:d8:a6:44",6,-60,0,1,3,0,1'
    assert match(GUIDE["AT+CWJAP?"].compile(), [line, "OK"])["ssid"] == ssid


@pytest.mark.parametrize("count", [0, 1, 3])
def test_cwlap_zero_one_many(count: int) -> None:
    lines = [CWLAP_LINE.replace(",6,", f",{ch},") for ch in range(1, count + 1)] + ["", "OK"]
    m = match(GUIDE["AT+CWLAP"].compile(), lines)
    rows = m.rows("+CWLAP:")
    assert [row["channel"] for row in rows] == list(range(1, count + 1))
    assert all(row["ssid"] == "Wi-Fi" and row["mac"] == "ca:d7:19:d8:a6:44" for row in rows)


def test_cipstate_one_line_per_link_or_none() -> None:
    template = GUIDE["AT+CIPSTATE?"].compile()
    lines = ['+CIPSTATE:0,"TCP","192.168.3.100",8080,50348,0', '+CIPSTATE:1,"UDPv6","fe80::1",1002,1001,0']
    m = match(template, [*lines, "", "OK"])
    assert [r["link ID"] for r in m.rows(0)] == [0, 1]
    assert m.all("type") == ["TCP", "UDPv6"]
    assert match(template, ["", "OK"]).rows(0) == []


def test_gmr_free_text_lines() -> None:
    m = match(GUIDE["AT+GMR"].compile(), GMR_LINES)
    assert m["Bin version"] == "2.1.0"
    assert m["module_name"] == "MINI-1"
    assert m["AT version info"] == GMR_LINES[0]


@pytest.mark.parametrize(
    "present",
    [
        ["APIP", "APMAC"],
        ["STAIP", "STAMAC"],
        ["APIP", "APIP6LL", "APMAC", "STAIP", "STAIP6LL", "STAMAC"],
    ],
)
def test_cifsr_optional_lines(present: list[str]) -> None:
    value = {
        "APIP": '"192.168.4.1"',
        "APIP6LL": '"fe80::260a:c4ff:fe00:2"',
        "APMAC": '"24:0a:c4:00:00:02"',
        "STAIP": '"192.168.3.112"',
        "STAIP6LL": '"fe80::260a:c4ff:fe00:1"',
        "STAMAC": '"24:0a:c4:00:00:01"',
    }
    lines = [f"+CIFSR:{name},{value[name]}" for name in present] + ["", "OK"]
    m = match(GUIDE["AT+CIFSR"].compile(), lines)
    assert sorted(m.values) == sorted(present)


def test_systimestamp_and_sntptime() -> None:
    assert (
        match(GUIDE["AT+SYSTIMESTAMP?"].compile(), ["+SYSTIMESTAMP:1634641676", "OK"])["Unix_timestamp"]
        == 1634641676
    )
    sntp = match(GUIDE["AT+CIPSNTPTIME?"].compile(), ["+CIPSNTPTIME:Tue Oct 19 17:47:56 2021", "OK"])
    assert sntp["asctime style time"] == "Tue Oct 19 17:47:56 2021"


def test_uart_cur_query() -> None:
    m = match(GUIDE["AT+UART_CUR?"].compile(), ["+UART_CUR:115273,8,1,0,3", "", "OK"])
    assert (m["baudrate"], m["flow control"]) == (115273, 3)


@pytest.mark.parametrize(
    ("line", "servers"),
    [
        ("+CIPSNTPCFG:0,8", []),
        ('+CIPSNTPCFG:1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"', ["cn.ntp.org.cn", "ntp.sjtu.edu.cn"]),
        (
            '+CIPSNTPCFG:1,-500,"0.pool.ntp.org","time.google.com","x"',
            ["0.pool.ntp.org", "time.google.com", "x"],
        ),
    ],
)
def test_sntpcfg_optional_parts(line: str, servers: list[str]) -> None:
    m = match(GUIDE["AT+CIPSNTPCFG?"].compile(), [line, "OK"])
    found = [m.get(f"SNTP server{i}") for i in (1, 2, 3)]
    assert [s for s in found if s is not None] == servers


@pytest.mark.parametrize("values", [[0], [0, 5], [0, 0, 100, 0, 2920]])
def test_ciprecvlen_inline_repetition(values: list[int]) -> None:
    line = "+CIPRECVLEN:" + ",".join(map(str, values))
    assert match(GUIDE["AT+CIPRECVLEN?"].compile(), [line, "", "OK"]).all("data length of link") == values


def test_mqttsub_ellipsis_line_means_one_or_more() -> None:
    template = GUIDE["AT+MQTTSUB?"].compile()
    lines = ['+MQTTSUB:0,6,"topic/a",0', '+MQTTSUB:0,6,"topic/b",1', "OK"]
    assert match(template, lines).all("topic1") == ["topic/a", "topic/b"]
    with pytest.raises(MatchError) as info:
        match(template, ["OK"])
    assert (info.value.line, info.value.rule) == (1, "literal mismatch")
