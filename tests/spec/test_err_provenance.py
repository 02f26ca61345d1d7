"""spec/err_provenance.yaml and its loader: every expected ERR CODE says what it rests on, each entry's
evidence is where it says, and the cases of fixtures/cases.py carry the table's provenance and replacement
codes (AT+UART_CUR/AT+UART_DEF: the public handler's plain ERROR)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixtures.cases import invalid_cases
from reports.checks import PROVENANCES, CheckRecord, CheckRecordError
from rigs.loader import RigFileError, load_rig
from spec import load_spec
from spec.datafile import SpecDataError
from spec.err_provenance import (
    INFERRED,
    PROVENANCE_FILE,
    Provenance,
    expected_error,
    load_provenance,
    provenance_of,
)
from spec.messages import err_code, format_err_code, load_error_codes
from spec.messages_extract import _DEFAULT_GUIDE

ROOT = Path(__file__).resolve().parents[2]
_RST = re.compile(r"([\w-]+\.rst):(\d+)(?:-(\d+))?")


def test_the_table_loads_and_every_entry_names_its_evidence() -> None:
    entries = load_provenance()
    assert entries, PROVENANCE_FILE
    assert [p.value for p in Provenance] == list(PROVENANCES)  # the report's list is the table's
    for e in entries:
        assert e.kind is not Provenance.INFERRED
        if e.kind is Provenance.REAL_BOARD:
            assert re.search(r"https://github\.com/espressif/esp-at/issues/\d+", e.evidence), e.id
            assert re.search(r"AT \d+\.\d+\.\d+\.\d+", e.evidence), f"{e.id}: name the firmware"
        if e.kind is Provenance.FIRMWARE_SOURCE:
            assert re.search(r"components/at/src/\w+\.c, \w+", e.evidence), f"{e.id}: file and function"
        if e.kind is Provenance.GUIDE:
            assert _RST.search(e.evidence), f"{e.id}: cite the RST file and line"


@pytest.mark.skipif(not _DEFAULT_GUIDE.is_dir(), reason=f"the guide's RST is not at {_DEFAULT_GUIDE}")
def test_guide_entries_cite_lines_that_show_the_code() -> None:
    files = {p.name: p for p in _DEFAULT_GUIDE.rglob("*.rst") if "/en/" in str(p)}
    for e in load_provenance():
        if e.kind is not Provenance.GUIDE:
            continue
        assert e.subcategory is not None
        value = format_err_code(err_code(e.subcategory)).split(":")[1]
        shown = []
        for name, first, last in _RST.findall(e.evidence):
            lines = files[name].read_text(encoding="utf-8").splitlines()
            shown.append("\n".join(lines[int(first) - 1 : int(last or first)]))
        assert any(value in text or e.subcategory in text for text in shown), (e.id, shown)


def test_lookup_by_subcategory_command_and_case() -> None:
    assert provenance_of("ESP_AT_SUB_UNSUPPORT_CMD").kind is Provenance.GUIDE
    assert provenance_of("ESP_AT_CMD_ERROR_CMD_UNSUPPORT").kind is Provenance.GUIDE  # its macro's name
    assert provenance_of("ESP_AT_SUB_PARA_NUM_MISMATCH", "AT+CWLAPOPT").kind is Provenance.REAL_BOARD
    assert provenance_of("ESP_AT_SUB_PARA_NUM_MISMATCH", "AT+CWMODE") is INFERRED
    # A form AT+UART_CUR lacks is refused by the core, not by the public set handler.
    assert provenance_of("ESP_AT_SUB_CMD_OP_ERROR", "AT+UART_CUR") is INFERRED
    want = expected_error("ESP_AT_SUB_PARA_TYPE_MISMATCH", 2, command="AT+UART_DEF", case="wrong-type")
    assert want.provenance.kind is Provenance.FIRMWARE_SOURCE
    assert (want.name, want.param_index, want.result) == ("ESP_AT_SUB_CMD_EXEC_FAIL", None, 0)


def test_uart_cases_expect_the_handlers_plain_error() -> None:
    spec = load_spec()
    for name in ("AT+UART_CUR", "AT+UART_DEF"):
        command = spec.command(name)
        form = command.form("set")
        assert form is not None
        cases = invalid_cases(command, form.syntax[0], ["115200", "8", "1", "0", "0"])
        assert {c.kind for c in cases} >= {"out-of-range", "wrong-type", "wrong-count"}
        for c in cases:
            code = err_code(c.err_name, c.param_index, result=c.result)
            assert code == 0x010A0000, (c.id, hex(code))
            assert c.provenance.kind is Provenance.FIRMWARE_SOURCE


def test_other_cases_keep_the_layouts_code_as_inferred() -> None:
    command = load_spec().command("AT+SYSLOG")
    form = command.form("set")
    assert form is not None
    cases = {c.id: c for c in invalid_cases(command, form.syntax[0], ["1"])}
    assert cases["out-of-range-status-max"].err_name == "ESP_AT_SUB_PARA_INVALID"
    assert cases["out-of-range-status-max"].param_index == 0
    assert all(c.provenance is INFERRED for c in cases.values())
    assert cases["wrong-count"].expect_kwargs() == {"given": 2, "result": None, "provenance": INFERRED}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {id: a, kind: inferred, evidence: x, subcategory: ESP_AT_SUB_OK}", "inferred is what no entry"),
        ("- {id: a, kind: guide, evidence: x}", "matches every expectation"),
        ("- {id: a, kind: guide, evidence: x, subcategory: ESP_AT_SUB_OK, cases: [typo]}", "unknown case"),
        ("- {id: a, kind: guide, evidence: ' ', subcategory: ESP_AT_SUB_OK}", "names no evidence"),
        (
            "- {id: a, kind: guide, evidence: x, subcategory: ESP_AT_SUB_OK}\n"
            "- {id: a, kind: guide, evidence: x, subcategory: ESP_AT_SUB_NO_AT}",
            "appears twice",
        ),
    ],
)
def test_bad_tables_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "err_provenance.yaml"
    path.write_text("release: v5.0.0.0\nentries:\n" + "\n".join("  " + line for line in text.splitlines()))
    with pytest.raises(SpecDataError, match=message):
        load_provenance(path)


def test_unknown_subcategory_in_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "err_provenance.yaml"
    path.write_text("release: v5\nentries:\n  - {id: a, kind: guide, evidence: x, subcategory: NOPE}\n")
    with pytest.raises(KeyError, match="NOPE"):
        load_provenance(path)
    assert load_error_codes()  # the catalog itself is untouched


def test_check_record_provenance_round_trip_and_backward_compatibility() -> None:
    rec = CheckRecord("AT+SLEEP/set", "refusal", "err_code", True, "", "inferred")
    assert CheckRecord.from_json(rec.to_json()) == rec
    plain = CheckRecord("AT/execute", "response", "expect.ok", True)
    assert "provenance" not in plain.to_json()  # older readers see the record they know
    old = '{"form":"AT/execute","category":"response","check":"expect.ok","passed":true,"detail":""}'
    assert CheckRecord.from_json(old).provenance == ""
    with pytest.raises(CheckRecordError, match="provenance"):
        CheckRecord.from_json(old[:-1] + ',"provenance":"hearsay"}')


def test_rig_option_defaults_to_strict_and_is_validated(tmp_path: Path) -> None:
    assert load_rig(ROOT / "rigs" / "sim.yaml").err_codes == "strict"
    bad = tmp_path / "bad.yaml"
    bad.write_text("boards:\n  - {id: a, kind: serial, port: 'socket://127.0.0.1:1'}\nerr_codes: lenient\n")
    with pytest.raises(RigFileError, match="err_codes"):
        load_rig(bad)
