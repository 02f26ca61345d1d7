"""Peers a rig declares ``provided_by: external`` (a bench's own DNS, SNTP and OTA servers) record nothing:
the tests that would read their records check what the board says instead, and their report names what was
left out (fixtures.servers.has_records: JUnit property ``esp_not_checked``, summary ``not_checked``). With
the host's own peers the same tests check the records, and say nothing of the kind.

The "external" servers here are servers/ peers this test starts itself, outside the inner run: the inner
run knows only their addresses, as a bench knows its own servers'."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from servers.dns import DnsServer
from servers.ota import OtaServer, make_app_image
from servers.sntp import SntpServer

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "suites" / "tcpip" / "test_tcpip_services.py"
#: one DNS and one SNTP case of the TCP/IP suite, and the blocking OTA update
SELECTION = [
    f"{SERVICES}::{name}"
    for name in ("test_cipdomain_resolves[plain]", "test_sntp_time[8-28800]", "test_ota_versions_and_update")
]


@pytest.fixture
def bench_servers() -> Iterator[dict[str, object]]:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    names = {name: [str(addr)] for name, addr in rig["network"]["dns_names"].items()}
    ota = OtaServer(token=None)
    ota.add_firmware("v7.7.7.7", make_app_image(8 * 1024, seed=3))
    servers = {"dns": DnsServer(names), "sntp": SntpServer(), "ota": ota}
    for s in servers.values():
        s.start()
    yield servers
    for s in servers.values():
        s.stop()


def _rig(tmp: Path, servers: dict[str, object] | None, dns_answer: str | None = None) -> Path:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    if dns_answer is not None:  # the bench's DNS answers other than the rig says: the board shows it
        rig["network"]["dns_names"] = {name: dns_answer for name in rig["network"]["dns_names"]}
    if servers is not None:
        rig["peers"] = [
            {"service": service, "provided_by": "external", "address": "127.0.0.1", "port": peer.port}
            for service, peer in servers.items()
        ]
    path = tmp / "rig.yaml"
    path.write_text(yaml.safe_dump(rig))
    return path


def _run(pytester: pytest.Pytester, rig: Path) -> tuple[pytest.RunResult, dict[str, dict]]:
    summary = pytester.path / "summary.json"
    result = pytester.runpytest_subprocess(
        *SELECTION, "--rig", str(rig), "-p", "no:cacheprovider",
        "--summary", str(summary), "--transcripts", str(pytester.path / "t"), timeout=240,
    )  # fmt: skip
    tests = {t["id"].split("::")[-1]: t for t in json.loads(summary.read_text())["tests"]}
    return result, tests


def test_on_external_peers_the_tests_check_the_board_and_name_what_they_left_out(
    pytester: pytest.Pytester, bench_servers: dict[str, object]
) -> None:
    result, tests = _run(pytester, _rig(pytester.path, bench_servers))
    result.assert_outcomes(passed=3)
    dns = tests["test_cipdomain_resolves[plain]"]["not_checked"]
    assert dns == [
        "not checked: the DNS query for esp-at-lab.test at the server (the rig's dns peer at "
        f"127.0.0.1:{bench_servers['dns'].port} is external and records nothing)"  # type: ignore[attr-defined]
    ]
    sntp = tests["test_sntp_time[8-28800]"]["not_checked"]
    assert len(sntp) == 1 and "the board's time against the SNTP server's clock" in sntp[0]
    ota = tests["test_ota_versions_and_update"]["not_checked"]
    assert len(ota) == 1 and "the version and image the test offers (v9.9.9.9)" in ota[0]
    # the board really went to the bench's servers: they saw it (the inner run could not know that)
    assert bench_servers["dns"].queries and bench_servers["sntp"].queries  # type: ignore[attr-defined]
    assert [d.version for d in bench_servers["ota"].downloads] == ["v7.7.7.7"]  # type: ignore[attr-defined]


def test_on_external_peers_what_can_be_checked_still_fails(
    pytester: pytest.Pytester, bench_servers: dict[str, object]
) -> None:
    # the bench's DNS answers 127.0.0.1, and this rig says its names are at 127.0.0.9: the board's answer
    # is still compared with the rig's known value
    result, tests = _run(pytester, _rig(pytester.path, bench_servers, dns_answer="127.0.0.9"))
    result.assert_outcomes(passed=2, failed=1)
    assert tests["test_cipdomain_resolves[plain]"]["outcome"] == "failed"
    assert "the rig says 127.0.0.9" in tests["test_cipdomain_resolves[plain]"]["reason"]


def test_on_the_hosts_own_peers_every_check_is_made(pytester: pytest.Pytester) -> None:
    result, tests = _run(pytester, _rig(pytester.path, None))
    result.assert_outcomes(passed=3)
    assert all(not t["not_checked"] for t in tests.values()), tests


def test_an_external_peer_the_tests_program_skips_them_with_the_reason(pytester: pytest.Pytester) -> None:
    rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
    rig["peers"] = [{"service": "tcp", "provided_by": "external", "address": "127.0.0.1", "port": 9}]
    path = pytester.path / "rig.yaml"
    path.write_text(yaml.safe_dump(rig))
    pytester.makepyfile("def test_echo(esp_tcp_echo):\n    raise AssertionError('not reached')\n")
    result = pytester.runpytest_subprocess(
        "-p", "fixtures.plugin", "-p", "no:cacheprovider", "--rig", str(path), "-rs", timeout=120
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*the rig's tcp peer is external (127.0.0.1:9): these tests program*"])


KEEPALIVE = "test_keepalive_and_clean_session_reach_the_broker[keepalive-60-no-clean-session]"


def test_on_an_external_mqtt_broker_scheme_1_runs_and_the_others_skip_naming_the_listener(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    from servers.mqtt import MqttBroker
    from servers.pki import EspPki

    broker = MqttBroker(tmp_path / "mqtt", EspPki(tmp_path / "pki"))
    broker.start()
    try:
        rig = yaml.safe_load((ROOT / "rigs" / "sim.yaml").read_text())
        port = broker.endpoints["tcp"].port
        rig["peers"] = [{"service": "mqtt", "provided_by": "external", "address": "127.0.0.1", "port": port}]
        path = pytester.path / "rig.yaml"
        path.write_text(yaml.safe_dump(rig))
        summary = pytester.path / "summary.json"
        mqtt = ROOT / "suites" / "mqtt"
        result = pytester.runpytest_subprocess(
            f"{mqtt / 'test_mqtt_schemes.py'}::test_scheme_both_ways[scheme-1-tcp]",
            f"{mqtt / 'test_mqtt_schemes.py'}::test_scheme_both_ways[scheme-6-ws]",
            f"{mqtt / 'test_mqtt_config.py'}::{KEEPALIVE}",
            "--rig", str(path), "-p", "no:cacheprovider", "--summary", str(summary),
            "--transcripts", str(pytester.path / "t"), "-rs", timeout=240,
        )  # fmt: skip
    finally:
        broker.stop()
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        ["*the rig's MQTT broker is external (mqtt at 127.0.0.1:*): scheme 6 needs its ws*"]
    )
    tests = {t["id"].split("::")[-1]: t for t in json.loads(summary.read_text())["tests"]}
    keepalive = tests[KEEPALIVE]
    assert (
        len(keepalive["not_checked"]) == 1
        and "keepalive of the board's CONNECT" in keepalive["not_checked"][0]
    )
