"""What labgrid-client prints, parsed (rigs/labgrid/output.py). The texts are verbatim output of labgrid
26.0.1 (requirements-labgrid.lock) against a real coordinator and exporter on this machine, 2026-12."""

from __future__ import annotations

import pytest

from rigs.labgrid.output import (
    Holder,
    LabgridOutputError,
    Resource,
    error_text,
    parse_env,
    parse_holder,
    parse_places,
    refused_holder,
    run_user,
    serial_url,
)

# labgrid-client -v places
PLACES = """\
Place 'esp-a':
  tags: board=esp32, firmware=at
  matches:
    exp1/esp-1/*
  acquired: None
  acquired resources:
  created: 2026-12-07 09:58:57.785759
  changed: 2026-12-07 09:59:02.386327
Place 'esp-b':
  tags: board=esp32
  matches:
  acquired: vm/root
  acquired resources:
  created: 2026-12-07 09:58:58.917964
  changed: 2026-12-07 09:59:00.640109
"""

# labgrid-client -p esp-a show, while acquired
SHOW = """\
Place 'esp-a':
  tags: board=esp32, firmware=at
  matches:
    exp1/esp-1/*
  acquired: vm/root.esp-at.999999
  acquired resources:
    exp1/esp-1/NetworkSerialPort/at
    exp1/esp-1/NetworkSerialPort/log
  created: 2026-12-07 09:58:57.785759
  changed: 2026-12-07 09:58:59.938999
Acquired resource 'at' (exp1/esp-1/NetworkSerialPort/at):
  {'acquired': 'esp-a',
   'avail': True,
   'cls': 'NetworkSerialPort',
   'params': {'extra': {'proxy': 'localhost', 'proxy_required': False},
              'host': '127.0.0.1',
              'port': 45001,
              'protocol': 'rfc2217',
              'speed': 115200}}
"""

# labgrid-client -p esp-a env
ENV = """\
targets:
  esp-a:
    resources:
    - NetworkSerialPort:
        name: at
        port: 45001
        protocol: rfc2217
        speed: 115200
        host: 127.0.0.1
    - NetworkSerialPort:
        name: log
        port: 45002
        protocol: raw
        host: 127.0.0.1

"""

REFUSED = (
    "labgrid-client: Error: Place esp-a is already acquired by vm/root.esp-at.999999. To work "
    "simultaneously, root.esp-at.999999 can execute 'labgrid-client -p esp-a allow vm/root' on vm.\n"
)


def test_places_with_tags_matches_and_holders() -> None:
    a, b = parse_places(PLACES)
    assert a.name == "esp-a" and a.tags == {"board": "esp32", "firmware": "at"}
    assert a.matches == ("exp1/esp-1/*",) and a.acquired is None and a.acquired_resources == ()
    assert a.changed == "2026-12-07 09:59:02.386327"
    assert b.tags == {"board": "esp32"} and b.matches == () and b.acquired == Holder("vm", "root")
    assert a.carries({"board": "esp32", "firmware": "at"}) and not b.carries({"firmware": "at"})


def test_show_stops_at_the_resource_blocks() -> None:
    (place,) = parse_places(SHOW)
    assert place.acquired == Holder("vm", "root.esp-at.999999")
    assert place.acquired_resources == ("exp1/esp-1/NetworkSerialPort/at", "exp1/esp-1/NetworkSerialPort/log")


def test_places_fed_line_by_line_give_the_same_places() -> None:
    # each prefix that ends at a line boundary parses, and the whole equals the sum of its places
    lines = PLACES.splitlines(keepends=True)
    assert [p.name for p in parse_places("".join(lines[:8]))] == ["esp-a"]
    assert parse_places("".join(lines)) == parse_places(PLACES.replace("\n", "\r\n"))


def test_no_places_and_garbage() -> None:
    assert parse_places("") == []
    with pytest.raises(LabgridOutputError, match="line 1: expected \"Place 'NAME':\", got 'hello'"):
        parse_places("hello\n")
    with pytest.raises(LabgridOutputError, match="expected tags as key=value, got 'oops'"):
        parse_places("Place 'x':\n  tags: oops\n")
    with pytest.raises(LabgridOutputError, match="expected a place holder as HOST/USER, got 'nobody'"):
        parse_places("Place 'x':\n  acquired: nobody\n")


def test_run_user_carries_the_pid() -> None:
    assert run_user("alice", 4242) == "alice.esp-at.4242"
    assert parse_holder("lab-7/alice.esp-at.4242").run_pid == 4242
    assert parse_holder("lab-7/alice").run_pid is None
    assert parse_holder("lab-7/alice.esp-at.x1").run_pid is None
    assert str(Holder("h", "u")) == "h/u"


def test_env_resources_and_their_urls() -> None:
    at, log = parse_env(ENV, "esp-a")
    assert at == Resource(
        "NetworkSerialPort",
        "at",
        {"port": 45001, "protocol": "rfc2217", "speed": 115200, "host": "127.0.0.1"},
    )
    assert serial_url(at) == "rfc2217://127.0.0.1:45001"
    assert serial_url(log) == "socket://127.0.0.1:45002"
    assert at.is_serial and not at.is_power


def test_env_unnamed_resource_takes_its_class_name() -> None:
    text = (
        "targets:\n  p:\n    resources:\n    - NetworkPowerPort:\n"
        "        model: gude\n        host: pdu\n        index: 3\n"
    )
    (power,) = parse_env(text, "p")
    assert power.name == "NetworkPowerPort" and power.is_power and power.params["index"] == 3


def test_env_errors_quote_what_came() -> None:
    with pytest.raises(LabgridOutputError, match="expected targets.esp-b.resources"):
        parse_env(ENV, "esp-b")
    with pytest.raises(LabgridOutputError, match="no YAML"):
        parse_env("targets: [", "p")
    with pytest.raises(LabgridOutputError, match="not a NetworkSerialPort"):
        serial_url(Resource("NetworkPowerPort", "pw", {}))
    with pytest.raises(LabgridOutputError, match="unknown protocol 'telnet'"):
        serial_url(Resource("NetworkSerialPort", "at", {"host": "h", "port": 1, "protocol": "telnet"}))
    with pytest.raises(LabgridOutputError, match="expected host and port"):
        serial_url(Resource("NetworkSerialPort", "at", {"host": "h"}))


def test_ipv6_host_is_bracketed() -> None:
    assert serial_url(Resource("NetworkSerialPort", "at", {"host": "::1", "port": 7})) == "rfc2217://[::1]:7"


def test_refusal_names_the_holder() -> None:
    assert refused_holder(REFUSED) == Holder("vm", "root.esp-at.999999")
    # the coordinator's own refusal (a lost race) names nobody
    assert refused_holder("labgrid-client: Error: Place esp-a is already acquired\n") is None
    assert error_text(REFUSED).startswith("Place esp-a is already acquired by vm/root.esp-at.999999.")


def test_error_text_of_an_unreachable_coordinator() -> None:
    stderr = (
        "ERROR              root: coordinator is unavailable: failed to connect to all addresses\n"
        "Server error: Error: Could not connect to coordinator\n"
    )
    assert error_text(stderr) == (
        "ERROR              root: coordinator is unavailable: failed to connect to all addresses; "
        "Server error: Error: Could not connect to coordinator"
    )
    assert error_text("") == "(no message)"
