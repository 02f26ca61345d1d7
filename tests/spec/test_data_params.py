"""Parameter facts of Basic, Wi-Fi and TCP/IP commands against the guide's parameter lists (3.1-3.3)."""

from __future__ import annotations

from spec import ParamSpec, load_spec


def _p(command: str, name: str) -> ParamSpec:
    p = load_spec().command(command).param(name)
    assert p is not None, f"{command} has no <{name}>"
    return p


def _ranges(p: ParamSpec) -> list[tuple[float, float]]:
    return [(r.min, r.max) for r in p.range]


def test_uart_cur_3_1_11() -> None:
    assert _ranges(_p("AT+UART_CUR", "baudrate")) == [(80, 5000000)]
    assert list(_p("AT+UART_CUR", "databits").enum) == [5, 6, 7, 8]
    assert list(_p("AT+UART_CUR", "stopbits").enum) == [1, 2, 3]
    assert list(_p("AT+UART_CUR", "parity").enum) == [0, 1, 2]
    assert list(_p("AT+UART_CUR", "flow control").enum) == [0, 1, 2, 3]


def test_transintvl_3_1_10() -> None:
    p = _p("AT+TRANSINTVL", "interval")
    assert (_ranges(p), p.default, p.unit) == ([(0, 1000)], 20, "milliseconds")


def test_rfpower_3_1_20() -> None:
    assert _ranges(_p("AT+RFPOWER", "wifi_power")) == [(40, 84)]


def test_cwmode_3_2_3() -> None:
    assert list(_p("AT+CWMODE", "mode").enum) == [0, 1, 2, 3]
    auto = _p("AT+CWMODE", "auto_connect")
    assert (auto.default, auto.optional) == (1, True)


def test_cwjap_3_2_7() -> None:
    timeout = _p("AT+CWJAP", "jap_timeout")
    assert (_ranges(timeout), timeout.default, timeout.unit, timeout.optional) == (
        [(3, 600)],
        15,
        "second",
        True,
    )
    assert _p("AT+CWJAP", "bssid").type == "mac" and _p("AT+CWJAP", "bssid").quoted
    pmf = _p("AT+CWJAP", "pmf")
    assert (sorted(pmf.bits), pmf.default) == ([0, 1], 1)
    assert _ranges(_p("AT+CWJAP", "listen_interval")) == [(1, 100)]


def test_cwlapopt_3_2_9() -> None:
    mask = _p("AT+CWLAPOPT", "print mask")
    assert (mask.type, mask.default) == ("hex", 0x7FF)
    rssi = _p("AT+CWLAPOPT", "rssi filter")
    assert (_ranges(rssi), rssi.default) == ([(-100, 40)], -100)


def test_cipsta_3_2_22() -> None:
    assert _p("AT+CIPSTA", "ip").type == "ip"
    assert _p("AT+CIPSTA", "ipv6 addr").type == "ipv6"


def test_cipstart_3_3_5() -> None:
    host = _p("AT+CIPSTART", "remote host")
    assert (host.quoted, host.type, host.max_len) == (True, "str", 64)
    assert _p("AT+CIPSTART", "type").default == "TCP"
    timeout = _p("AT+CIPSTART", "timeout")
    assert (_ranges(timeout), timeout.default, timeout.optional) == ([(0, 60000)], 0, True)
    keep_alive = _p("AT+CIPSTART", "keep_alive")
    assert (0, 7200) in _ranges(keep_alive) and keep_alive.optional


def test_ciprecvmode_3_3_34() -> None:
    mode = _p("AT+CIPRECVMODE", "mode")
    assert (list(mode.enum), mode.default) == ([0, 1], 0)


def test_cipsntpcfg_timezone_3_3_20() -> None:
    tz = _p("AT+CIPSNTPCFG", "timezone")
    for value in ("8", "-12", "14", "1245", "-500"):
        tz.validate(value)
    assert _ranges(tz) == [(-12, 14), (-1259, 1459)]


def test_every_parameter_of_the_first_suites_validates_its_default() -> None:
    """A documented default must be a valid value of its own parameter (3.1, 3.2, 3.3)."""
    spec = load_spec()
    bad = []
    for name in ("basic", "wifi", "tcpip"):
        for c in spec.command_set(name).commands:
            for p in c.params:
                if p.default is None:
                    continue
                text = (
                    f'"{p.default}"' if p.quoted else (hex(p.default) if p.type == "hex" else str(p.default))
                )
                try:
                    p.validate(text)
                except ValueError as exc:
                    bad.append(f"{c.section} {c.name} <{p.name}>: {exc}")
    assert not bad, "\n".join(bad)
