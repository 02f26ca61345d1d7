"""Unit tests of the small RST reader the extractor uses (no guide sources needed)."""

from __future__ import annotations

from spec.extract.commands import split_example, syntax_lines
from spec.extract.parameters import optional_names, parse_param_list
from spec.extract.rst import eval_condition, load_page, plain, split_blocks, split_sections


def test_only_expressions_for_esp32() -> None:
    assert eval_condition("esp32 or esp32c3")
    assert not eval_condition("esp32c2 or esp32c5")
    assert eval_condition("not esp32c5")
    assert not eval_condition("not esp32")


def test_only_directive_kept_for_esp32_and_dedented() -> None:
    text = "\n".join(
        [
            "Title",
            "=====",
            "",
            ".. only:: esp32",
            "",
            "    kept {IDF_TARGET_NAME}",
            "",
            ".. only:: esp32c3",
            "",
            "    dropped",
            "",
            "after",
        ]
    )
    lines = load_page(text)
    assert "kept ESP32" in lines
    assert "dropped" not in " ".join(lines)
    assert "after" in lines


def test_list_directive_conditions() -> None:
    text = ".. list::\n\n    :esp32: - a\n    :esp32c3: - b\n    - c\n"
    lines = [x for x in load_page(text) if x.strip()]
    assert lines == ["- a", "- c"]


def test_section_levels_follow_first_use_of_underline() -> None:
    text = "Top\n===\n\nCmd\n---\n\nSet Command\n^^^^^^^^^^^\n\nbody\n\nCmd2\n----\n"
    root = split_sections(load_page(text))
    page = root.children[0]
    assert [c.title for c in page.children] == ["Cmd", "Cmd2"]
    assert page.children[0].children[0].title == "Set Command"


def test_blocks_fields_and_literals() -> None:
    body = ["**Command:**", "", "::", "", "    AT+X=<a>", "", "**Response:**", "", "::", "", "    OK"]
    blocks = split_blocks(body)
    assert [(b.kind, b.text) for b in blocks] == [
        ("field", "Command"),
        ("literal", "AT+X=<a>"),
        ("field", "Response"),
        ("literal", "OK"),
    ]


def test_plain_removes_roles() -> None:
    assert plain(":ref:`AT+SYSSTORE=1 <cmd-SYSSTORE>`") == "AT+SYSSTORE=1"
    assert plain("``<mode>``") == "<mode>"


def test_syntax_lines_drop_comments() -> None:
    block = "// Single connection\nAT+CIPSEND=<length>\n\n// Multiple\nAT+CIPSEND=<link ID>,<length>"
    assert syntax_lines(block) == ["AT+CIPSEND=<length>", "AT+CIPSEND=<link ID>,<length>"]


def test_optional_names_from_brackets() -> None:
    assert optional_names(['AT+CWJAP=[<"ssid">],[<"pwd">][,<"bssid">]', "AT+X=<a>"]) == {
        "ssid",
        "pwd",
        "bssid",
    }


def test_example_pairs() -> None:
    block = 'AT+CWMODE=1     // station\nAT+CIPSTATE?\n+CIPSTATE:0,"TCP"\n\nOK\n// note\nAT+RST'
    pairs = split_example(block)
    assert [p.command for p in pairs] == ["AT+CWMODE=1", "AT+CIPSTATE?", "AT+RST"]
    assert pairs[1].response == '+CIPSTATE:0,"TCP"\n\nOK'
    assert pairs[0].response is None


def test_parameter_facts() -> None:
    text = "\n".join(
        [
            '-  **<"ssid">**: the SSID.',
            "-  **<interval>**: interval. Unit: millisecond. Default: 20. Range: [0,1000].",
            "-  **<mode>**:",
            "",
            "   -  0: off.",
            "   -  1: on. (Default value)",
        ]
    )
    ssid, interval, mode = parse_param_list(text)
    assert ssid.quoted and ssid.type == "str"
    assert (interval.default, interval.unit) == (20, "millisecond")
    assert [(r.min, r.max) for r in interval.range] == [(0, 1000)]
    assert list(mode.enum) == [0, 1] and mode.default == 1
