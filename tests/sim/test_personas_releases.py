"""The personas of the older releases (sim/profiles/v2.2.0.0 ... v3.4.0.0-esp32.yaml, issue 19): each is the
next newer persona with what its guide does not document taken out, and reports its own AT version."""

from __future__ import annotations

import pytest

from sim.profile import load_profile
from spec.releases import choose_release

#: persona -> (the release its AT version chooses, commands its guide lacks that the next newer one has)
PERSONAS = {
    "v3.4.0.0-esp32": ("v3.4.0.0", ["AT+RFCAL", "AT+CWCONFIG", "AT+CIPSSLCCIPHER"]),
    "v3.2.0.0-esp32": ("v3.2.0.0", ["AT+CIPSSLCPSKHEX", "AT+CIPRECVTYPE"]),
    "v2.4.0.0-esp32": ("v2.4.0.0", ["AT+TRANSINTVL", "AT+SYSMFG", "AT+CWINIT", "AT+CIPFWVER"]),
    "v2.2.0.0-esp32": ("v2.2.0.0_esp32", ["AT+CIPSTATE", "AT+CIPSENDL", "AT+CIPSNTPINTV"]),
}


@pytest.mark.parametrize("name", PERSONAS)
def test_persona_names_its_release_and_lacks_what_its_guide_lacks(name: str) -> None:
    release, lacks = PERSONAS[name]
    p = load_profile(name)
    assert p.gmr_lines()[0].startswith(f"AT version:{p.at_version}(")
    assert choose_release(None, p.at_version).release == release
    assert not any(p.has_command(c) for c in lacks)
    assert not p.has_command("AT+CWBANDWIDTH")  # the v4.1.1.0 persona's absences are inherited
    assert p.has_command("AT+CWLAP") and p.has_command("AT+CIPSTART")


def test_a_form_a_release_lacks_is_absent_while_the_command_stays() -> None:
    """AT+CWAUTOCONN's query form is "form added [query]" in v3.4.0.0 (`spec diff v3.2.0.0 v3.4.0.0`)."""
    old, new = load_profile("v3.2.0.0-esp32"), load_profile("v3.4.0.0-esp32")
    assert old.has_command("AT+CWAUTOCONN") and not old.has_form("AT+CWAUTOCONN", "query")
    assert old.has_form("AT+CWAUTOCONN", "set")
    assert new.has_form("AT+CWAUTOCONN", "query")


def test_the_v2_2_switches_follow_its_pages() -> None:
    """v2.2.0.0_esp32 (issue 19): AT+CIPTCPOPT without <keep_alive> (TCP-IP_AT_Commands.rst:2050, :2064), at
    most 2048 bytes per AT+CIPSEND (:485), no AT+SLEEP? (Basic_AT_Commands.rst:436-443), <pmf> default 0
    (Wi-Fi_AT_Commands.rst:265); the v2.4.0.0 persona keeps the later behaviour."""
    import asyncio

    from sim.loopback import LoopbackBoard

    async def answers(profile: str, lines: list[str]) -> list[str]:
        async with LoopbackBoard.start(profile=load_profile(profile)) as lb:
            return [(await lb.command(line)).decode() for line in lines]

    lines = ["AT+CIPTCPOPT?", "AT+CIPTCPOPT=-1,0,0,60", "AT+CIPTCPOPT=-1,0,0", "AT+SLEEP?"]
    old = asyncio.run(answers("v2.2.0.0-esp32", lines))
    new = asyncio.run(answers("v2.4.0.0-esp32", lines))
    assert "+CIPTCPOPT:0,-1,0,0\r\n" in old[0] and "+CIPTCPOPT:0,-1,0,0,0\r\n" in new[0]
    assert old[1].endswith("ERROR\r\n") and new[1].endswith("OK\r\n")
    assert old[2].endswith("OK\r\n") and new[2].endswith("OK\r\n")
    assert old[3].endswith("ERROR\r\n") and new[3].endswith("OK\r\n")
    v22, v24 = load_profile("v2.2.0.0-esp32"), load_profile("v2.4.0.0-esp32")
    assert (v22.tcpip.send_max, v24.tcpip.send_max) == (2048, 8192)
    assert (v22.wifi.pmf_default, v24.wifi.pmf_default) == (0, 1)
