"""Which response templates accept a bare ``OK`` although the guide's blocks show information lines.

A template that matches ``["OK"]`` cannot catch a board that drops every information line, so each such form
must say why OK alone is a correct response in some state, and which suite test checks it in a state where
the lines must be there. A new template that accepts a bare OK fails here until it is listed with its reason
(or fixed with a correction in spec/corrections.yaml).
"""

from __future__ import annotations

from spec import load_spec
from spec.matcher import BlankLines, MatchOptions
from spec.template import compile_alternatives

#: Lines that are final results or the prompt, not information lines.
FINALS = {"", "OK", "ERROR", ">", "SEND OK", "SEND FAIL", "SET OK"}

#: form key -> why OK alone is right in some state, and where the state with lines is checked.
BARE_OK: dict[str, str] = {
    # The guide itself gives OK alone as one of the form's responses, or brackets the line.
    "AT+SYSMFG/set": "3.1.19: a write or erase answers OK alone (its own block)",
    "AT+CWJEAP/set": "3.2.27: OK alone on success (its own block)",
    "AT+CIPSTATE/query": (
        "3.3.3: OK alone when there is no connection (its own block); suites/tcpip/test_state_rules.py "
        "checks the rows of each link type"
    ),
    "AT+MDNS/set": "3.3.39: OK alone for start/stop (its own block)",
    "AT+BLECONNPARAM/set": "3.4.14: OK alone (its own block)",
    "AT+BLECFGMTU/set": "3.4.17: OK alone (the command is received)",
    "AT+BTSPPCONN/set": (
        "3.5.7: its own OK block; 4.10.4 prints the report before OK, which suites/bt/test_bt_spp.py "
        "test_master_connects_to_the_peer requires"
    ),
    "AT+BTSPPDISCONN/set": (
        "3.5.8: its own OK block; 4.10.1 prints the report before OK, which suites/bt/test_bt_spp.py "
        "test_slave_normal_mode_both_ways requires"
    ),
    "AT+BTA2DPCONN/set": "3.5.12: as AT+BTSPPCONN",
    "AT+MQTTSUB/set": "3.6.12: OK alone on subscribing (its own block)",
    "AT+MQTTUNSUB/set": "3.6.13: OK alone on unsubscribing (its own block)",
    "AT+HTTPURLCFG/query": "3.7.7: the guide brackets the line (no URL configured)",
    "AT+WSOPEN/query": "3.9.4: OK alone when no connection is open (its own block)",
    "AT+USEROTA/set": "3.14.3: OK alone once the URL is taken (its own block)",
    # Our corrections (spec/corrections.yaml `lines`) let every information line be absent.
    "AT+SYSMSGFILTERCFG/query": (
        "3.1.17: no filter after AT+SYSMSGFILTERCFG=0 clears them; suites/basic/test_settings.py "
        "test_sysmsgfilter_drops_wifi_connected requires the added filter's row"
    ),
    "AT+SYSREG/set": (
        "3.1.29: the value line only in read mode (the guide's comment); suites/basic/test_system.py "
        "requires +SYSREG in read mode"
    ),
    "AT+BTENCDEV/query": (
        "3.5.20: no device bound (4.10.6 note); suites/bt/test_bt_security.py requires the paired "
        "peer's row"
    ),
    "AT+CWLAP/set": "3.2.10: no AP in range; suites/wifi/test_station.py requires the rig's AP per filter",
    "AT+CWLAP/execute": (
        "3.2.10: no AP in range (a real ESP32-C6 listed none: espressif/esp-at issue 933); "
        "suites/wifi/test_station.py requires the rig's AP"
    ),
    "AT+CWLIF/execute": (
        "3.2.13: no station joined to the soft-AP; suites/wifi/test_softap.py requires the joined "
        "station's row"
    ),
    "AT+CIFSR/execute": (
        "3.3.14 note: only interfaces with valid information are listed (none in Wi-Fi mode 0); "
        "suites/tcpip/test_tcpip_links.py test_cifsr requires the lines of each mode's interfaces"
    ),
}


def _accepting_bare_ok() -> set[str]:
    spec = load_spec()
    lenient = MatchOptions(blank_lines=BlankLines.IGNORE)
    found: set[str] = set()
    for command in spec.commands:
        params = {p.name: p for p in command.params}
        for form in command.forms:
            blocks = list(form.responses)
            if not any(line.strip() not in FINALS for block in blocks for line in block.split("\n")):
                continue  # the guide shows no information line: OK alone is the response
            try:
                compile_alternatives(blocks, params).match(["OK"], lenient)
            except AssertionError:
                continue
            found.add(f"{command.name}/{form.kind.value}")
    return found


def test_every_template_accepting_a_bare_ok_is_explained() -> None:
    found = _accepting_bare_ok()
    unexplained = sorted(found - BARE_OK.keys())
    assert not unexplained, (
        f"these templates accept a bare OK although their blocks show information lines: {unexplained}; "
        "list each in BARE_OK with the state where OK alone is right, or fix it in spec/corrections.yaml"
    )
    stale = sorted(BARE_OK.keys() - found)
    assert not stale, f"listed in BARE_OK but no longer accepting a bare OK (remove them): {stale}"
