"""The committed spec data against the guide: counts, names, sections, and freshness."""

from __future__ import annotations

import pytest

from spec import COMMAND_SETS, FormKind, load_spec
from spec.extract.corrections import Corrections
from spec.extract.sources import CORRECTIONS, Sources, SourcesMissing

# Hand counts of the seed's chapter 3 (see the brief of issue 3 and spec/corrections.yaml "counts").
GUIDE_COMMANDS = 210
GUIDE_FORMS = 309
GUIDE_SYNTAX_BLOCKS = 322


def _sources() -> Sources:
    try:
        return Sources.locate()
    except SourcesMissing as exc:
        pytest.skip(f"guide sources not on this machine: {exc}")


def test_command_count() -> None:
    assert len(load_spec().commands) == GUIDE_COMMANDS


def test_form_count() -> None:
    forms = [f for c in load_spec() for f in c.forms]
    assert len(forms) == GUIDE_FORMS
    assert not [f for f in forms if f.kind is FormKind.test], "no command documents a test form"
    assert [c.name for c in load_spec() for f in c.forms if f.kind is FormKind.special] == ["+++"]


def test_syntax_block_count_with_listed_differences() -> None:
    blocks = sum(f.block_count for c in load_spec() for f in c.forms)
    notes = [n for n in Corrections.load(CORRECTIONS).counts if n.what == "syntax_blocks"]
    explained = sum(n.guide - n.spec for n in notes)
    assert blocks + explained == GUIDE_SYNTAX_BLOCKS
    spec = load_spec()
    for n in notes:
        c = spec.by_section(n.section)
        assert sum(f.block_count for f in c.forms) == n.spec, n


def test_every_form_has_syntax_and_commands_without_forms_point_elsewhere() -> None:
    for c in load_spec():
        for f in c.forms:
            assert f.syntax, f"{c.name} {f.kind}: no syntax line"
            assert f.syntax_blocks
        if not c.forms:
            assert c.same_as in load_spec(), c.name


def test_every_form_but_plus_has_a_response() -> None:
    """+++ returns nothing (3.3.7); every other form has a response template (some via responses_from)."""
    missing = [
        f"{c.section} {c.name} {f.kind.value}"
        for c in load_spec()
        for f in c.forms
        if not f.responses and f.kind is not FormKind.special
    ]
    assert not missing


def test_sections_are_unique_and_in_their_chapter() -> None:
    spec = load_spec()
    sections = [c.section for c in spec]
    assert len(set(sections)) == len(sections)
    for s in spec.sets:
        assert s.command_set in COMMAND_SETS
        for c in s.commands:
            assert c.section.startswith(s.chapter + "."), c


@pytest.mark.parametrize(
    ("name", "section", "command_set"),
    [
        ("AT", "3.1.2", "basic"),
        ("ATE", "3.1.7", "basic"),
        ("AT+RFCAL", "3.1.22", "basic"),
        ("AT+SYSSTORE", "3.1.28", "basic"),
        ("AT+CWJAP", "3.2.7", "wifi"),
        ("AT+CWHOSTNAME", "3.2.28", "wifi"),
        ("AT+CIPSTART", "3.3.5", "tcpip"),
        ("+++", "3.3.7", "tcpip"),
        ("AT+CIPSEND", "3.3.8", "tcpip"),
        ("AT+CIPRECVMODE", "3.3.34", "tcpip"),
        ("AT+CIPTCPOPT", "3.3.40", "tcpip"),
        ("AT+BLUFISEND", "3.4.47", "ble"),
        ("AT+BTPOWER", "3.5.23", "bt"),
        ("AT+MQTTCLEAN", "3.6.14", "mqtt"),
        ("AT+HTTPCFG", "3.7.9", "http"),
        ("AT+FSMOUNT", "3.8.3", "fs"),
        ("AT+WSCLOSE", "3.9.6", "websocket"),
        ("AT+CIPETH", "3.10.4", "eth"),
        ("AT+FACTPLCP", "3.11.2", "signaling"),
        ("AT+DRVSPIWR", "3.12.13", "driver"),
        ("AT+WEBSERVER", "3.13.2", "webserver"),
        ("AT+USERDOCS", "3.14.6", "user"),
    ],
)
def test_known_sections(name: str, section: str, command_set: str) -> None:
    c = load_spec().command(name)
    assert (c.name, c.section, c.command_set) == (name, section, command_set)


def test_rst_name_is_an_alias_of_the_seed_name() -> None:
    spec = load_spec()
    assert spec.command("AT+CIPRECVTYPE") is spec.command("AT+CIPRECVMODE")
    c = spec.command("AT+CIPRECVMODE")
    assert c.aliases == ["AT+CIPRECVTYPE"]
    assert all("CIPRECVTYPE" not in s for f in c.forms for s in f.syntax + f.responses)


def test_default_firmware_flags() -> None:
    spec = load_spec()
    assert spec.command("AT+CIPSTART").default_firmware
    assert not spec.command("AT+CWJEAP").default_firmware
    assert not spec.command("AT+BTINIT").default_firmware
    assert not spec.command("AT+FS").default_firmware
    assert not spec.command("AT+DRVADC").default_firmware
    assert spec.command("AT+PING").build_option == "Component config > AT > AT ping command support"


def test_persistence() -> None:
    spec = load_spec()
    # 3.16: always saved in flash
    for name in ("AT+UART_DEF", "AT+SAVETRANSLINK", "AT+CWAUTOCONN"):
        assert spec.command(name).persistence == "flash", name
    # 3.1.28 note: saved only while AT+SYSSTORE=1 (31 commands for the ESP32)
    sysstore = {c.name for c in spec if c.persistence == "sysstore"}
    assert len(sysstore) == 31
    assert {"AT+CWMODE", "AT+CWJAP", "AT+CIPSTA", "AT+CIPSSLCCONF", "AT+BTSCANMODE"} <= sysstore
    # per-command notes
    assert spec.command("AT+UART_CUR").persistence == "never"
    assert spec.command("AT+CWINIT").persistence == "never"
    assert spec.command("AT+CIPSTART").persistence is None


def test_every_seed_name_matches_or_is_explained() -> None:
    """Each printing of a name in the seed's TOC, headings and indexes equals the spec's name for that
    section, or is listed in corrections.yaml (seed damage, rename or name override)."""
    from spec.extract.seed import Seed

    seed = Seed.load(_sources().seed)
    spec = load_spec()
    corr = Corrections.load(CORRECTIONS)
    damage = {(d.section, d.where, d.guide): d.spec for d in corr.seed_damage}
    unexplained = []
    for n in seed.names():
        if n.where == "index":
            ok = n.name in spec and spec.command(n.name).name == n.name
            expected = damage.get((n.section, "index", n.name))
            if not ok and (expected is None or expected not in spec):
                unexplained.append(n)
            continue
        c = spec.by_section(n.section)
        if n.name == c.name or n.name in c.aliases:
            continue
        if any(o.section == n.section and o.guide == n.name for o in corr.names):
            continue
        if damage.get((n.section, n.where, n.name)) == c.name:
            continue
        unexplained.append(n)
    assert not unexplained, "\n".join(
        f"{n.where} {n.section} {n.name} (seed line {n.line})" for n in unexplained
    )


def test_every_index_entry_is_present() -> None:
    """Every command of the seed's chapter indexes is in the spec under its canonical name."""
    from spec.extract.seed import Seed

    seed = Seed.load(_sources().seed)
    corr = Corrections.load(CORRECTIONS)
    damage = {(d.section, d.where, d.guide): d.spec for d in corr.seed_damage}
    spec = load_spec()
    for n in seed.names():
        if n.where != "index":
            continue
        name = damage.get((n.section, "index", n.name), n.name)
        assert spec.command(name).name == name


def test_committed_data_equals_fresh_extraction() -> None:
    from spec.extract import stale_files

    stale = stale_files(_sources())
    assert not stale, f"run `python -m spec extract`: stale {stale}"
