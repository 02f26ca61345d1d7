"""spec/urcs.yaml and spec/errors.yaml against the guide's tables (3.17, 3.1 AT+SYSLOG, 3.6.15, 3.7.10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spec import error_codes
from spec.messages import (
    SpecDataError,
    UnknownMessageError,
    err_code,
    final_results,
    format_err_code,
    http_err_code,
    ipd_form,
    load_error_codes,
    load_responses,
    load_urcs,
    parse_err_code,
    urc,
)
from spec.messages_extract import (
    extract_error_tables,
    extract_ipd_forms,
    extract_message_tables,
    guide_dir,
    parse_list_tables,
    strip_markup,
)


@pytest.fixture(scope="module")
def guide() -> Path:
    path = guide_dir()
    if not (path / "docs" / "en").is_dir():
        pytest.skip(f"the guide's RST is not at {path} (set ESP_AT_GUIDE)")
    return path


# ------------------------------------------------------------------------------------------------ 3.17


def test_every_report_row_of_3_17_has_a_urc(guide: Path) -> None:
    _, rows = extract_message_tables(guide)
    in_guide = [r.entry for r in rows]
    in_data = {u.table_entry for u in load_urcs() if u.table_entry is not None}
    assert len(in_guide) == 57
    assert [e for e in in_guide if e not in in_data] == []
    assert sorted(in_data - set(in_guide)) == []


def test_responses_match_3_17(guide: Path) -> None:
    rows, _ = extract_message_tables(guide)
    assert [r.entry for r in rows] == [r.text for r in load_responses()]
    assert final_results() == ["OK", "ERROR", "SEND OK", "SEND FAIL", "SET OK"]


def test_the_six_ipd_forms_are_the_guides(guide: Path) -> None:
    forms = extract_ipd_forms(guide)
    assert len(forms) == 6
    assert [u.template for u in load_urcs() if u.id.startswith("ipd.")] == [
        forms[0],
        forms[1],
        forms[2],
        forms[3],
        forms[4],
        forms[5],
    ]


@pytest.mark.parametrize(
    ("cipmux", "ciprecvtype", "cipdinfo", "template"),
    [
        (0, 1, 0, "+IPD,<length>"),
        (1, 1, 1, "+IPD,<link_id>,<length>"),
        (0, 0, 0, "+IPD,<length>:<data>"),
        (1, 0, 0, "+IPD,<link_id>,<length>:<data>"),
        (0, 0, 1, '+IPD,<length>,<"remote_ip">,<remote_port>:<data>'),
        (1, 0, 1, '+IPD,<link_id>,<length>,<"remote_ip">,<remote_port>:<data>'),
    ],
)
def test_ipd_form_selection(cipmux: int, ciprecvtype: int, cipdinfo: int, template: str) -> None:
    assert ipd_form(cipmux, ciprecvtype, cipdinfo).template == template


def test_ipd_form_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="cipmux must be 0 or 1, got 2"):
        ipd_form(2)


def test_length_framed_reports_name_their_length_field() -> None:
    framed = {u.id: u.length_field for u in load_urcs() if u.payload == "length_framed"}
    assert framed["ipd.mux1"] == "length"
    assert framed["mqtt_subrecv"] == "data_length"
    assert framed["ws_data"] == "data_len"
    assert "ipd.mux0.passive" not in framed  # passive mode announces, data comes with AT+CIPRECVDATA


def test_urc_lookup_and_prefix() -> None:
    assert urc("wifi_got_ip").template == "WIFI GOT IP"
    assert urc("mqtt_subrecv").prefix == "+MQTTSUBRECV:"
    assert urc("connect").prefix == ""  # the optional link_id comes first
    with pytest.raises(UnknownMessageError, match="no URC with id 'nope'"):
        urc("nope")


def test_kind_is_the_name_the_template_starts_with() -> None:
    for u in load_urcs():
        if u.prefix:
            # "Recv <n> bytes" and "Have <n> Connections" keep the words around their field
            assert u.prefix.rstrip(":, ").startswith(u.kind) or u.kind.startswith(u.prefix.strip()), u.id
    assert {u.kind for u in load_urcs() if u.id.startswith("ipd.")} == {"+IPD"}
    assert urc("connect").kind == "CONNECT" and urc("sta_connected").kind == "+STA_CONNECTED"


def test_urc_templates_only_use_declared_fields() -> None:
    for u in load_urcs():
        used = [f.strip('"') for f in re.findall(r"<([^<>]+)>", u.template)]
        if u.id == "err_code":
            assert used == ["code"]
            continue
        assert used == u.fields, u.id


# ------------------------------------------------------------------------------------------ error codes


def test_error_tables_match_the_guide(guide: Path) -> None:
    tables = extract_error_tables(guide)
    catalog = load_error_codes()
    subcategories = [(r.name, r.value) for r in tables.subcategories]
    assert [(s.name, s.value) for s in catalog.subcategories] == subcategories
    assert [(c.name, c.value) for c in catalog.mqtt.codes] == [(r.name, r.value) for r in tables.mqtt]
    assert [(c.name, c.value) for c in catalog.eap.codes] == [(r.name, r.value) for r in tables.eap]
    assert [(c.value, c.status, c.reason) for c in catalog.http.codes] == [
        (r.value, r.status, r.reason) for r in tables.http
    ]
    assert tables.layout == ["bit32 ~ bit24", "bit23 ~ bit16", "bit15 ~ bit0"]
    assert catalog.layout.guide_category_bits == tables.layout[0]


def test_error_table_sizes() -> None:
    catalog = load_error_codes()
    assert len(catalog.subcategories) == 13  # ESP_AT_SUB_OK .. ESP_AT_SUB_CMD_OP_ERROR = 0x00..0x0C
    assert [s.value for s in catalog.subcategories] == list(range(0x0D))
    assert catalog.mqtt.codes[0].value == 0x6001 and catalog.mqtt.codes[-1].value == 0x6052
    assert len(catalog.mqtt.codes) == 0x52


def test_error_values_are_unique() -> None:
    catalog = load_error_codes()
    for codes in (catalog.subcategories, catalog.mqtt.codes, catalog.eap.codes, catalog.http.codes):
        values = [c.value for c in codes]
        assert len(values) == len(set(values))


def test_duplicate_values_are_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = error_codes.ERRORS_FILE.read_text(encoding="utf-8")
    broken = text.replace("value: 0x6002}", "value: 0x6001}", 1)
    assert broken != text
    path = tmp_path / "errors.yaml"
    path.write_text(broken, encoding="utf-8")
    monkeypatch.setattr(error_codes, "ERRORS_FILE", path)
    load_error_codes.cache_clear()
    try:
        with pytest.raises(SpecDataError, match="mqtt has duplicate values: 24577"):
            load_error_codes()
    finally:
        load_error_codes.cache_clear()


def test_err_code_matches_the_syslog_example(guide: Path) -> None:
    # 3.1 AT+SYSLOG: AT+FAKE answers ERR CODE:0x01090000, "the command is not supported".
    examples = extract_error_tables(guide).syslog_examples
    assert examples and set(examples) == {"0x01090000"}
    assert format_err_code(err_code("ESP_AT_SUB_UNSUPPORT_CMD")) == "ERR CODE:0x01090000"
    assert err_code("ESP_AT_CMD_ERROR_CMD_UNSUPPORT") == 0x01090000


def test_err_code_matches_the_faq_busy_example(guide: Path) -> None:
    # faq.rst: with AT+SYSLOG=1 a command sent while another runs gives busy p... and ERR CODE:0x010b0000.
    faq = (guide / "docs" / "en" / "faq.rst").read_text(encoding="utf-8")
    assert "ERR CODE:0x010b0000" in faq
    assert format_err_code(err_code("ESP_AT_SUB_CMD_PROCESSING")) == "ERR CODE:0x010b0000"


def test_http_err_code_has_the_documented_form(guide: Path) -> None:
    text = (guide / "docs" / "en" / "AT_Command_Set" / "HTTP_AT_Commands.rst").read_text(encoding="utf-8")
    assert "ERR CODE:0x010a7xxx" in text
    assert format_err_code(http_err_code(None)) == "ERR CODE:0x010a7000"
    assert format_err_code(http_err_code(404)) == "ERR CODE:0x010a7194"
    for code in load_error_codes().http.codes:
        if code.status is not None:
            assert code.value == 0x7000 + code.status


def test_parameter_errors_carry_the_parameter_index() -> None:
    assert err_code("ESP_AT_SUB_PARA_INVALID", 0) == 0x01070000
    assert err_code("ESP_AT_SUB_PARA_INVALID", 3) == 0x01070003
    assert err_code("ESP_AT_SUB_PARA_LENGTH_MISMATCH", 1) == 0x01040001
    assert err_code("ESP_AT_SUB_PARA_TYPE_MISMATCH", 2) == 0x01050002
    assert err_code("ESP_AT_SUB_PARA_PARSE_FAIL", 1) == 0x01080001
    assert err_code("ESP_AT_SUB_PARA_NUM_MISMATCH", need=3, given=5) == 0x01060305
    assert err_code("AT_MQTT_NO_CONFIGURED") == 0x010A6001


def test_err_code_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="ESP_AT_SUB_PARA_INVALID needs param_index"):
        err_code("ESP_AT_SUB_PARA_INVALID")
    with pytest.raises(ValueError, match="ESP_AT_SUB_UNSUPPORT_CMD takes no param_index"):
        err_code("ESP_AT_SUB_UNSUPPORT_CMD", 1)
    with pytest.raises(UnknownMessageError, match="no MQTT or WPA2 Enterprise error code named 'X'"):
        err_code("X")
    with pytest.raises(ValueError, match="extension must fit in 16 bits"):
        err_code("ESP_AT_SUB_PARA_INVALID", 0x10000)


def test_parse_err_code_splits_the_fields() -> None:
    parsed = parse_err_code("ERR CODE:0x01070002\r\n")
    assert (parsed.category, parsed.subcategory, parsed.extension) == (0x01, 0x07, 2)
    assert parsed.subcategory_name == "ESP_AT_SUB_PARA_INVALID"
    assert str(parsed) == "ERR CODE:0x01070002"
    with pytest.raises(ValueError, match="expected a line like 'ERR CODE:0x01090000'"):
        parse_err_code("ERR CODE:0x123")


# ----------------------------------------------------------------------------------------------- helpers


def test_list_table_parser_keeps_cells_and_nested_text() -> None:
    text = """
.. list-table:: Demo
   :header-rows: 1

   * - Name
     - Value
   * - ``A``
     - first line
       continued

       - nested bullet
   * - :ref:`B <x>`
     - 2
after
"""
    (table,) = parse_list_tables(text)
    assert table.title == "Demo"
    assert [strip_markup(r[0]) for r in table.rows] == ["Name", "A", "B"]
    assert table.rows[1][1] == "first line\ncontinued\n\n- nested bullet"
