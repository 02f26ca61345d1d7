"""Rig files: the shipped ones load, and every kind of mistake gives one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.measurements import Limits
from rigs.loader import RigFileError, load_rig, parse_rig
from rigs.model import BoardKind, ResetMethod

ROOT = Path(__file__).resolve().parents[2]
SIM_BOARD = "boards:\n  - {id: a, kind: sim}\n"


def problems(text: str) -> list[str]:
    with pytest.raises(RigFileError) as info:
        parse_rig(text, "rigs/x.yaml")
    return info.value.problems


def test_default_sim_rig_loads() -> None:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    assert rig.name == "sim.yaml"
    assert [b.kind for b in rig.boards] == [BoardKind.SIM]
    assert rig.ap().ssid == "esp-at-lab"
    assert rig.ap().resolve_password() == "sim-only-pass"
    assert str(rig.network.host_address) == "127.0.0.1"
    assert rig.boards[0].sim is not None and rig.boards[0].sim.command == ["{python}", "-m", "sim"]


def test_bench_example_loads_and_keeps_secrets_out() -> None:
    rig = load_rig(ROOT / "rigs" / "bench-example.yaml")
    assert [b.id for b in rig.boards] == ["bench-a", "bench-b"]
    a = rig.board("bench-a")
    assert (a.port, a.log_port, a.reset) == ("/dev/ttyUSB0", "/dev/ttyUSB1", ResetMethod.AT)
    assert rig.ap().password is None and rig.ap().password_env == "ESP_AT_LAB_PASSWORD"
    assert rig.peer("mqtt").provided_by == "external"
    assert rig.peer("http").provided_by == "host"


def test_bad_baud_names_file_field_and_expectation() -> None:
    text = SIM_BOARD + "  - {id: b, kind: serial, port: /dev/ttyUSB0, baud: fast}\n"
    assert problems(text) == ['boards[1].baud: expected an integer in 80..5000000, got "fast"']
    with pytest.raises(RigFileError) as info:
        parse_rig(text, "rigs/x.yaml")
    assert str(info.value).startswith("rigs/x.yaml: boards[1].baud: expected an integer")


def test_unknown_key_is_an_error_listing_known_keys() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, prot: 3}\n")
    assert msg.startswith("boards[0].prot: unknown key; expected one of: id, kind, port, port_usb, baud")


def test_unknown_nested_key() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, sim: {sede: 3}}\n")
    assert msg.startswith("boards[0].sim.sede: unknown key; expected one of: profile, faults, seed")


def test_unknown_top_level_key() -> None:
    (msg,) = problems(SIM_BOARD + "netwrok: {}\n")
    assert msg.startswith("netwrok: unknown key; expected one of: boards, network, peers, targets")


def test_several_problems_are_all_reported() -> None:
    text = "boards:\n  - {id: a, kind: usb}\n  - {id: b, kind: serial, port: x, rtscts: maybe}\n"
    found = problems(text)
    assert len(found) == 2
    assert found[0].startswith("boards[0].kind: expected 'sim', 'serial' or 'labgrid', got \"usb\"")
    assert found[1].startswith("boards[1].rtscts: expected a valid boolean")


def test_missing_required_field() -> None:
    assert problems("boards:\n  - {kind: sim}\n") == ["boards[0].id: required, missing"]


def test_typo_in_capability_is_an_error() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, capabilities: [wifi-sta, wfi-softap]}\n")
    assert msg.startswith("boards[0].capabilities: unknown capabilities wfi-softap; known:")


def test_local_capability_names_are_free() -> None:
    rig = parse_rig("boards:\n  - {id: a, kind: sim, capabilities: [x-antenna-b]}\n", "r.yaml")
    assert rig.boards[0].capabilities == frozenset({"x-antenna-b"})


def test_serial_board_needs_a_port() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: serial}\n")
    assert msg == "boards[0]: a serial board needs 'port' (its AT port URL or device) or 'port_usb'"


def test_sim_board_takes_no_port() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, port: /dev/ttyUSB0}\n")
    assert msg.startswith("boards[0]: a sim board takes no 'port'")


def test_labgrid_board_is_modelled() -> None:
    rig = parse_rig("boards:\n  - {id: a, kind: labgrid, labgrid: {place: esp-1}}\n", "r.yaml")
    assert rig.boards[0].labgrid is not None and rig.boards[0].labgrid.place == "esp-1"
    (msg,) = problems("boards:\n  - {id: a, kind: labgrid}\n")
    assert msg.startswith("boards[0]: a labgrid board needs")


def test_literal_password_refused_with_real_boards() -> None:
    text = (
        "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n"
        "network:\n  access_points: [{ssid: lab, password: hunter2hunter2}]\n"
    )
    (msg,) = problems(text)
    assert msg.startswith("network.access_points[0].password: access point 'lab' has a literal 'password'")
    assert "use 'password_env'" in msg


def test_literal_password_allowed_on_sim_rig() -> None:
    rig = parse_rig(SIM_BOARD + "network:\n  access_points: [{ssid: lab, password: p4ssword}]\n", "r.yaml")
    assert rig.ap().resolve_password() == "p4ssword"


def test_encrypted_ap_needs_a_password_source() -> None:
    (msg,) = problems(SIM_BOARD + "network:\n  access_points: [{ssid: lab, ecn: 3}]\n")
    assert msg.startswith("network.access_points[0]: an encrypted AP (ecn != 0) needs 'password_env'")


def test_open_ap_needs_no_password() -> None:
    rig = parse_rig(SIM_BOARD + "network:\n  access_points: [{ssid: lab, ecn: 0}]\n", "r.yaml")
    assert rig.ap().resolve_password() == ""


def test_ecn_range_follows_cwlap() -> None:
    # 3.2 AT+CWLAP: <ecn> runs from 0 (OPEN) to 12 (WPA3_EXT_PSK_MIXED_MODE).
    parse_rig(SIM_BOARD + "network:\n  access_points: [{ssid: l, ecn: 12, password: p4ssword}]\n", "r.yaml")
    (msg,) = problems(SIM_BOARD + "network:\n  access_points: [{ssid: l, ecn: 13, password: p4ssword}]\n")
    assert msg == "network.access_points[0].ecn: expected an integer in 0..12, got 13"


def test_literal_password_length_follows_the_guide() -> None:
    # 3.2: AT+CWJAP takes at most 63 bytes; a WPA2_PSK key (AT+CWSAP) needs 8 ~ 63 bytes.
    (msg,) = problems(SIM_BOARD + "network:\n  access_points: [{ssid: l, ecn: 3, password: short}]\n")
    assert (
        msg == "network.access_points[0].password: expected a password of 8..63 bytes for ecn 3, got 5 bytes"
    )
    (msg,) = problems(SIM_BOARD + f"network:\n  access_points: [{{ssid: l, ecn: 3, password: {'x' * 64}}}]\n")
    assert msg.endswith("got 64 bytes")
    rig = parse_rig(
        SIM_BOARD + "network:\n  access_points: [{ssid: l, ecn: 3, password: '12345678'}]\n", "r.yaml"
    )
    assert rig.ap().resolve_password() == "12345678"


def test_password_env_resolved_at_use_time(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "boards:\n  - {id: a, kind: serial, port: x}\n"
        "network:\n  access_points: [{ssid: lab, password_env: LAB_PW}]\n"
    )
    rig = parse_rig(text, "r.yaml")  # loading never needs the secret
    monkeypatch.delenv("LAB_PW", raising=False)
    from rigs.model import MissingSecretError

    with pytest.raises(MissingSecretError, match="LAB_PW .* is not set"):
        rig.ap().resolve_password()
    monkeypatch.setenv("LAB_PW", "s3cret")
    assert rig.ap().resolve_password() == "s3cret"


def test_duplicate_yaml_key_is_an_error() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, kind: serial}\n")
    assert msg.startswith("line 2, column") and "key 'kind' appears twice" in msg


def test_yaml_syntax_error_gives_line() -> None:
    (msg,) = problems("boards:\n  - id: a\n   kind: sim\n")
    assert msg.startswith("line 3, column") and "not valid YAML" in msg


def test_empty_file() -> None:
    assert problems("") == ["expected a mapping with a 'boards' list at the top, got an empty file"]


def test_duplicate_board_ids() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim}\n  - {id: a, kind: sim}\n")
    assert msg.startswith("(top level): board ids must be unique; repeated: a")


def test_second_ap_capability_needs_two_aps() -> None:
    (msg,) = problems("boards:\n  - {id: a, kind: sim, capabilities: [second-ap]}\n")
    assert msg.startswith("boards[0].capabilities: board a claims second-ap")


def test_sim_rig_host_address_is_loopback() -> None:
    (msg,) = problems(SIM_BOARD + "network: {host_address: 192.168.4.2}\n")
    assert msg.startswith("network.host_address: expected a loopback address (127.x.x.x) on a sim rig")


def test_ssid_length_in_bytes() -> None:
    # 3.2: an SSID is at most 32 bytes; each "é" takes two in UTF-8.
    (msg,) = problems(SIM_BOARD + "network:\n  access_points: [{ssid: " + "é" * 17 + ", ecn: 0}]\n")
    assert msg.startswith("network.access_points[0].ssid: expected an SSID of 1..32 bytes")


def test_dns_names_must_be_host_names() -> None:
    (msg,) = problems(SIM_BOARD + "network:\n  dns_names: {'bad name': 127.0.0.1}\n")
    assert msg.startswith("network.dns_names: expected host names like broker.lab.test as keys, got bad name")


def test_missing_file() -> None:
    with pytest.raises(RigFileError, match="nope.yaml: cannot read the rig file"):
        load_rig("nope.yaml")


def test_relative_sim_paths_are_anchored_at_the_rig_file(tmp_path: Path) -> None:
    rig_file = tmp_path / "r.yaml"
    rig_file.write_text("boards:\n  - {id: a, kind: sim, sim: {faults: faults/x.yaml}}\n")
    sim = load_rig(rig_file).boards[0].sim
    assert sim is not None and sim.faults == tmp_path / "faults" / "x.yaml"


def test_throughput_limit_judgement() -> None:
    rig = parse_rig(
        SIM_BOARD + "targets:\n  throughput:\n    default: {min_fraction: 0.5, marginal_band: 0.1}\n"
        "    measurements: {tcp: {min_fraction: 0.8}}\n",
        "r.yaml",
    )
    limit = rig.targets.throughput.limit("anything")
    limits = Limits.of_line_rate(1000.0, limit.min_fraction, limit.marginal_band)
    assert [limits.judge(v) for v in (490, 500, 590, 600)] == ["fail", "marginal", "marginal", "pass"]
    tcp = rig.targets.throughput.limit("tcp")
    assert Limits.of_line_rate(1000.0, tcp.min_fraction, tcp.marginal_band).judge(790) == "fail"
    assert rig.boards[0].line_rate == 11520.0  # 115200 baud, 10 bits per byte with 8N1 framing


ENTERPRISE_AP = "network:\n  access_points:\n    - {ssid: corp, ecn: 5, enterprise: %s}\n"


def test_enterprise_ap_loads_with_cwjeap_values(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3.2.27: EAP-PEAP (method 1) with identity, phase-2 username and password, and no certificates.
    text = SIM_BOARD + ENTERPRISE_AP % "{method: 1, identity: id@lab, username: alice, password_env: EAP_PW}"
    rig = parse_rig(text, "r.yaml")
    eap = rig.ap().enterprise
    assert eap is not None and (eap.method, eap.identity, eap.username, eap.security) == (
        1,
        "id@lab",
        "alice",
        0,
    )
    monkeypatch.setenv("EAP_PW", "s3cret")
    assert eap.resolve_password("corp") == "s3cret"
    assert rig.ap().resolve_password() == ""  # no pre-shared key on an enterprise AP


def test_enterprise_tls_needs_no_phase2_credentials() -> None:
    rig = parse_rig(SIM_BOARD + ENTERPRISE_AP % "{method: 0, identity: id@lab, security: 3}", "r.yaml")
    eap = rig.ap().enterprise
    assert eap is not None and eap.resolve_password("corp") == "" and eap.security == 3


def test_enterprise_peap_and_ttls_need_username_and_password() -> None:
    (msg,) = problems(SIM_BOARD + ENTERPRISE_AP % "{method: 2, identity: id@lab}")
    assert msg.startswith(
        "network.access_points[0].enterprise: method 2 (EAP-PEAP / EAP-TTLS) needs a phase-2"
    )
    assert "username and password_env" in msg


def test_enterprise_fields_follow_the_guide() -> None:
    (msg,) = problems(SIM_BOARD + ENTERPRISE_AP % "{method: 3, identity: id}")
    assert msg == "network.access_points[0].enterprise.method: expected an integer in 0..2, got 3"
    (msg,) = problems(SIM_BOARD + ENTERPRISE_AP % "{method: 0, identity: id, security: 4}")
    assert msg == "network.access_points[0].enterprise.security: expected an integer in 0..3, got 4"
    (msg,) = problems(SIM_BOARD + ENTERPRISE_AP % ("{method: 0, identity: " + "x" * 33 + "}"))
    assert msg.startswith("network.access_points[0].enterprise.identity: expected identity of 1..32 bytes")
    assert msg.endswith("got 33 bytes")
    (msg,) = problems(
        SIM_BOARD + ENTERPRISE_AP % "{method: 1, identity: i, username: u, password: p, password_env: P}"
    )
    assert (
        msg
        == "network.access_points[0].enterprise.password: give either 'password' or 'password_env', not both"
    )


def test_enterprise_block_needs_ecn_5_and_no_psk() -> None:
    (msg,) = problems(
        SIM_BOARD
        + "network:\n  access_points: [{ssid: c, ecn: 3, password: p4ssword, enterprise: {method: 0, "
        "identity: i}}]\n"
    )
    assert msg.startswith("network.access_points[0].ecn: an 'enterprise' block needs ecn: 5")
    (msg,) = problems(
        SIM_BOARD + "network:\n  access_points: [{ssid: c, ecn: 5, password_env: P, enterprise: {method: 0, "
        "identity: i}}]\n"
    )
    assert msg.startswith("network.access_points[0].password_env: an enterprise AP has no pre-shared key")


def test_literal_enterprise_password_refused_with_real_boards() -> None:
    text = "boards:\n  - {id: a, kind: serial, port: /dev/ttyUSB0}\n" + ENTERPRISE_AP % (
        "{method: 1, identity: i, username: u, password: p}"
    )
    (msg,) = problems(text)
    assert msg.startswith("network.access_points[0].enterprise.password: access point 'corp' has a literal")


def test_sim_enterprise_rig_loads() -> None:
    rig = load_rig(ROOT / "rigs" / "sim-enterprise.yaml")
    assert "wpa2-enterprise" in rig.boards[0].capabilities
    eap = rig.ap(1).enterprise
    assert rig.ap(1).ecn == 5 and eap is not None and eap.method == 1


def test_spp_throughput_fields_are_named_in_errors() -> None:
    (msg,) = problems(SIM_BOARD + "targets:\n  throughput:\n    transport_bauds: {zigbee: [115200]}\n")
    assert msg.startswith("targets.throughput.transport_bauds: unknown transport zigbee: expected one of")
    (msg,) = problems(
        SIM_BOARD + "targets:\n  throughput:\n    measurements:\n"
        "      bt: {min_fraction: 0.2, published: {baud: 2000000, bps: -1, source: faq}}\n"
    )
    assert msg.startswith("targets.throughput.measurements.bt.published.bps: expected a number in 1.0..")
