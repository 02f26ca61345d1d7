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
