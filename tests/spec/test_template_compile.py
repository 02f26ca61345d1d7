"""Compiling templates: the notation of spec/TEMPLATES.md and errors that name the position."""

import re

import pytest

from spec.params import ParamSpec, ParamType
from spec.template import (
    Alternatives,
    Literal,
    Optional,
    Placeholder,
    Repeat,
    TemplateError,
    compile_template,
)


def test_literal_and_placeholders() -> None:
    specs = {
        "state": ParamSpec(name="state", range=[0, 4]),
        "ssid": ParamSpec(name="ssid", type=ParamType.STR, quoted=True),
    }
    (line,) = compile_template('+CWSTATE:<state>,<"ssid">', specs).lines
    assert [type(n) for n in line.nodes] == [Literal, Placeholder, Literal, Placeholder]
    assert [n.spec.name for n in line.nodes if isinstance(n, Placeholder)] == ["state", "ssid"]
    assert (line.min, line.max) == (1, 1)


def test_guide_indentation_comments_and_trailing_space_are_dropped() -> None:
    text = "\n    +SYSREG:<read value>    // Only in read mode\n    OK  \n\n"
    template = compile_template(text, strict=False)
    assert [tl.text for tl in template.lines] == ["+SYSREG:<read value>", "OK"]


def test_url_double_slash_is_not_a_comment() -> None:
    (line,) = compile_template("+X:http://example.com").lines
    assert line.nodes == (Literal("+X:http://example.com", 0),)


def test_blank_lines_are_kept() -> None:
    template = compile_template("+CWMODE:<mode>\n\nOK", strict=False)
    assert [tl.blank for tl in template.lines] == [False, True, False]


def test_optional_whole_line() -> None:
    template = compile_template("OK\n[WIFI GOT IPv6 LL]\n[WIFI GOT IPv6 GL]")
    assert [(tl.text, tl.min, tl.max) for tl in template.lines] == [
        ("OK", 1, 1),
        ("[WIFI GOT IPv6 LL]", 0, 1),
        ("[WIFI GOT IPv6 GL]", 0, 1),
    ]


def test_line_with_two_optional_groups_is_not_an_optional_line() -> None:
    (line,) = compile_template("[<a>][,<b>]", strict=False).lines
    assert line.min == 1
    assert [type(n) for n in line.nodes] == [Optional, Optional]


def test_nested_optionals_and_alternatives() -> None:
    (line,) = compile_template("+CIPSERVER:<mode>[,<port>[,{TCP|SSL}]]", strict=False).lines
    outer = line.nodes[-1]
    assert isinstance(outer, Optional)
    inner = outer.body[-1]
    assert isinstance(inner, Optional)
    alternatives = inner.body[-1]
    assert isinstance(alternatives, Alternatives)
    assert alternatives.options == ((Literal("TCP", 28),), (Literal("SSL", 32),))


def test_inline_repeat_from_guide_notation() -> None:
    (line,) = compile_template("+CIPRECVLEN:<len>[...][,<len>]", strict=False).lines
    assert isinstance(line.nodes[-1], Repeat)


@pytest.mark.parametrize(
    ("mark", "bounds"),
    [("{*}", (0, None)), ("{+}", (1, None)), ("{3}", (3, 3)), ("{2..4}", (2, 4)), ("{1..}", (1, None))],
)
def test_repetition_marks(mark: str, bounds: tuple[int, int | None]) -> None:
    (line,) = compile_template(f"+CWLIF:<ip>{mark}", strict=False).lines
    assert (line.min, line.max) == bounds
    assert line.text == "+CWLIF:<ip>"


def test_ellipsis_line_repeats_the_line_above() -> None:
    template = compile_template('+MQTTSUB:<"topic">\n...\nOK', strict=False)
    assert [(tl.min, tl.max) for tl in template.lines] == [(1, None), (1, 1)]
    optional = compile_template('[+MQTTSUB:<"topic">]\n...\nOK', strict=False)
    assert (optional.lines[0].min, optional.lines[0].max) == (0, None)


def test_escaped_specials_are_literal() -> None:
    (line,) = compile_template(r"a\<b\>\[c\]\{d\|e\}\\").lines
    assert line.nodes == (Literal("a<b>[c]{d|e}\\", 0),)


def test_template_quoting_wins_over_spec_with_a_warning() -> None:
    specs = {"remote_address": ParamSpec(name="remote_address", type=ParamType.MAC, quoted=True)}
    template = compile_template("+BLEDISCONN:<remote_address>", specs)
    (placeholder,) = template.placeholders()
    assert placeholder.spec.quoted is False
    assert "remote_address" in template.warnings[0]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("+X:<a", 1, 4, "'<' is never closed"),
        ("+X:<a<b>", 1, 4, "'<' is never closed"),
        ("+X:[,<a>", 1, 4, "'[' is never closed"),
        ("+X:<a>]", 1, 7, "unbalanced ']'"),
        ("+X:{a|b", 1, 4, "'{' is never closed"),
        ("+X:{a}", 1, 4, "at least two options"),
        ("OK\n+X:<>", 2, 4, "bad placeholder"),
        ("+X:[...],<a>", 1, 4, "must be followed by the optional group"),
        ("...\nOK", 1, 1, "no line above"),
        ("+X\n\n...", 3, 1, "no line above"),
        ("+X:<a>{3..2}", 1, 7, "bad repetition"),
        ("a\\b", 1, 2, "must escape"),
        ("[]", 1, 1, "empty optional line"),
        ("\n\n", 1, 1, "empty template"),
    ],
)
def test_malformed_templates_name_the_position(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)) as info:
        compile_template(text, strict=False)
    assert (info.value.line, info.value.column) == (line, column)


def test_unknown_placeholder_is_an_error_in_strict_mode() -> None:
    # The guide writes <Unix_timestamp> in AT+SYSTIMESTAMP?'s response but names <Unix-timestamp> below it.
    specs = {"Unix-timestamp": ParamSpec(name="Unix-timestamp")}
    with pytest.raises(TemplateError, match="no parameter named 'Unix_timestamp'") as info:
        compile_template("+SYSTIMESTAMP:<Unix_timestamp>\nOK", specs)
    assert (info.value.line, info.value.column) == (1, 15)
    loose = compile_template("+SYSTIMESTAMP:<Unix_timestamp>\nOK", specs, strict=False)
    assert loose.placeholders()[0].spec.type is ParamType.STR


def test_prompt_line_is_literal() -> None:
    # Data-sending commands show "OK", an empty line and the ">" prompt.
    template = compile_template("OK\n\n>")
    assert template.lines[-1].nodes == (Literal(">", 0),)
