"""render(): the lines a conforming board prints for given values; matching them always succeeds."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.spec.test_matcher_guide import GUIDE

from spec.matcher import MatchError, MatchOptions, match
from spec.params import ParamSpec, ParamType, Value
from spec.render import RenderError, format_value, render, render_line
from spec.template import (
    Alternatives,
    Node,
    Optional,
    Placeholder,
    Repeat,
    Template,
    compile_template,
    placeholders,
)

# Printable ASCII, commas and double quotes included: the awkward characters of quoted strings.
_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def values_for(spec: ParamSpec) -> st.SearchStrategy[Value]:
    """Valid values of ``spec``, as the guide's parameter list allows them."""
    t = spec.type
    if t in (ParamType.STR, ParamType.BYTES):
        if spec.enum:
            return st.sampled_from([k for k in spec.enum if isinstance(k, str)])
        return st.text(_TEXT, min_size=spec.min_len or 0, max_size=min(spec.max_len or 40, 40))
    if t is ParamType.IP:
        return st.ip_addresses(v=4).map(str)
    if t is ParamType.IPV6:
        return st.ip_addresses(v=6).map(str)
    if t is ParamType.MAC:
        return st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))
    if t is ParamType.FLOAT:
        places = spec.decimals if spec.decimals is not None else 3
        return st.integers(-(10**6), 10**6).map(lambda n: round(n / 10**places, places))
    if t is ParamType.HEX and not spec.range and not spec.enum and not spec.bits:
        return st.integers(0, 2**32 - 1)
    if spec.bits:
        return st.sets(st.sampled_from(sorted(spec.bits))).map(lambda bits: sum(1 << b for b in bits))
    choices: list[st.SearchStrategy[Value]] = (
        [st.sampled_from(sorted(k for k in spec.enum if isinstance(k, int)))] if spec.enum else []
    )
    choices += [st.integers(int(r.min), int(r.max)) for r in spec.range]
    if not choices:
        choices = [st.sampled_from([0, 1])] if t is ParamType.BOOL else [st.integers(-(2**31), 2**31 - 1)]
    return st.one_of(choices)


@st.composite
def responses(draw: st.DrawFn, template: Template) -> list[str]:
    """Random values for every placeholder, random row counts for repeated and optional lines."""
    specs = {p.name: p.spec for p in template.placeholders()}
    values = {name: draw(values_for(spec)) for name, spec in specs.items()}
    rows: dict[int, list[dict[str, Value | list[Value]]]] = {}
    for tl in template.lines:
        if tl.min == 1 and tl.max == 1:
            continue
        upper = 3 if tl.max is None else tl.max
        count = draw(st.integers(tl.min, upper))
        names = {p.name for p in placeholders(tl.nodes)}
        rows[tl.index] = [{n: draw(values_for(specs[n])) for n in names} for _ in range(count)]
    for name in _repeated_names(template):  # inline [...] repetitions take a list of values
        values[name] = draw(st.lists(values_for(specs[name]), min_size=1, max_size=5))
    return render(template, values, rows=rows)


def _repeated_names(template: Template) -> set[str]:
    """Names of placeholders inside inline ``[...][group]`` repetitions."""
    found: set[str] = set()

    def walk(nodes: tuple[Node, ...], inside: bool) -> None:
        for node in nodes:
            if isinstance(node, Placeholder) and inside:
                found.add(node.name)
            elif isinstance(node, Repeat | Optional):
                walk(node.body, inside or isinstance(node, Repeat))
            elif isinstance(node, Alternatives):
                for option in node.options:
                    walk(option, inside)

    for tl in template.lines:
        walk(tl.nodes, False)
    return found


@pytest.mark.parametrize("command", sorted(GUIDE))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rendered_response_always_matches(command: str, data: st.DataObject) -> None:
    template = GUIDE[command].compile()
    lines = data.draw(responses(template))
    m = match(template, lines)
    assert [lm.text for lm in m.lines] == lines
    for lm in m.lines:  # the captured values render back into the same line
        tl = template.lines[lm.template_line]
        if not tl.blank:
            values = {c.name: lm.all(c.name) for c in lm.captures}
            assert render_line(tl, values) == lm.text


def test_render_cwjap_query() -> None:
    template = GUIDE["AT+CWJAP?"].compile()
    values = {
        "ssid": "my,ap",
        "bssid": "ca:d7:19:d8:a6:44",
        "channel": 6,
        "rssi": -60,
        "pci_en": 0,
        "reconn_interval": 1,
        "listen_interval": 3,
        "scan_mode": 0,
        "pmf": 1,
    }
    assert render(template, values) == ['+CWJAP:"my,ap","ca:d7:19:d8:a6:44",6,-60,0,1,3,0,1', "OK"]


def test_render_rows_and_optional_parts() -> None:
    template = GUIDE["AT+CIPSNTPCFG?"].compile()
    assert render(template, {"enable": 1, "timezone": 8}) == ["+CIPSNTPCFG:1,8", "OK"]
    full = render(template, {"enable": 1, "timezone": 8, "SNTP server1": "a", "SNTP server2": "b"})
    assert full == ['+CIPSNTPCFG:1,8,"a","b"', "OK"]
    cwlap = GUIDE["AT+CWLAP"].compile()
    assert render(cwlap, rows={0: []}) == ["", "OK"]


def test_render_inline_repetition_consumes_a_list() -> None:
    template = GUIDE["AT+CIPRECVLEN?"].compile()
    assert render(template, {"data length of link": [0, 5, 100]}) == ["+CIPRECVLEN:0,5,100", "", "OK"]
    assert render(template, {"data length of link": 7}) == ["+CIPRECVLEN:7", "", "OK"]


def test_render_command_syntax_escapes_strings() -> None:
    # 3.1: in a command, "\\", "," and '"' inside a quoted string are escaped.
    specs = {
        "ssid": ParamSpec(name="ssid", type=ParamType.STR, quoted=True),
        "pwd": ParamSpec(name="pwd", type=ParamType.STR, quoted=True),
    }
    syntax = compile_template('AT+CWJAP=<"ssid">,<"pwd">', specs)
    (line,) = render(syntax, {"ssid": 'a,"b"', "pwd": "c\\d"}, escaped=True)
    assert line == r'AT+CWJAP="a\,\"b\"","c\\d"'
    assert match(syntax, [line], MatchOptions(escaped=True)).values == {"ssid": 'a,"b"', "pwd": "c\\d"}


def test_render_optional_literal_lines_only_on_request() -> None:
    template = compile_template("WIFI CONNECTED\nWIFI GOT IP\n\nOK\n[WIFI GOT IPv6 LL]")
    assert render(template)[-1] == "OK"
    assert render(template, optional_literals=True)[-1] == "WIFI GOT IPv6 LL"


@pytest.mark.parametrize(
    ("command", "values", "rows", "message"),
    [
        ("AT+CWMODE?", {}, None, "no value for <mode>"),
        ("AT+CWMODE?", {"mode": 9}, None, "cannot render 9 as <mode>"),
        ("AT+CIPSTA?", {"ip": "10.0.0.300"}, None, "cannot render '10.0.0.300'"),
        ("AT+MQTTSUB?", {}, {0: []}, "occurs 1..n times, got 0"),
        ("AT+CIPSTATE?", {}, {0: [{"link ID": 0}]}, "a row has no value for <type>"),
    ],
)
def test_render_errors_name_the_cause(
    command: str, values: dict[str, Value], rows: dict[int, list[dict[str, Value]]] | None, message: str
) -> None:
    with pytest.raises(
        RenderError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        render(GUIDE[command].compile(), values, rows=rows)


@pytest.mark.parametrize(
    ("spec", "value", "text"),
    [
        (ParamSpec(name="m", type=ParamType.HEX), 0x7FF, "0x7FF"),
        (ParamSpec(name="m", type=ParamType.HEX, hex_prefix=False), 31, "1F"),
        (ParamSpec(name="t", type=ParamType.FLOAT, decimals=2), 21.5, "21.50"),
        (ParamSpec(name="t", type=ParamType.FLOAT), 0.1, "0.1"),
        (ParamSpec(name="s", type=ParamType.STR, quoted=True), 'a"b', '"a"b"'),
        (ParamSpec(name="n"), "015", "015"),  # wire text given as is
    ],
)
def test_format_value(spec: ParamSpec, value: Value, text: str) -> None:
    assert format_value(spec, value) == text


@st.composite
def mutated(draw: st.DrawFn, template: Template) -> list[str]:
    """A rendered response with one character inserted, deleted or replaced, or one line dropped."""
    lines = draw(responses(template))
    k = draw(st.integers(0, len(lines) - 1))
    line = lines[k]
    kind = draw(st.sampled_from(["insert", "delete", "replace", "drop"]))
    i = draw(st.integers(0, len(line)))
    ch = draw(st.sampled_from(list(',"x0 :-()')))
    if kind == "drop":
        return lines[:k] + lines[k + 1 :]
    if kind == "insert":
        line = line[:i] + ch + line[i:]
    elif kind == "delete":
        line = line[:i] + line[i + 1 :]
    else:
        line = line[:i] + ch + line[i + 1 :]
    return [*lines[:k], line, *lines[k + 1 :]]


@pytest.mark.parametrize("command", sorted(GUIDE))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_response_gives_a_match_or_a_located_error(command: str, data: st.DataObject) -> None:
    template = GUIDE[command].compile()
    lines = data.draw(mutated(template))
    try:
        match(template, lines)
    except MatchError as error:
        assert 1 <= error.line <= len(lines) + 1
        if error.actual is not None:
            assert error.actual == lines[error.line - 1]
            assert 1 <= error.column <= len(error.actual) + 1


def test_none_leaves_the_optional_part_out_and_round_trips() -> None:
    """A value of None is a left-out optional part, as the matcher captures it (3.3.36 example)."""
    specs = {"len": ParamSpec(name="len")}
    template = compile_template("+CIPRECVLEN:[<len>][...][,[<len>]]\n\nOK", specs)
    assert render(template, {"len": [100, None, None]}) == ["+CIPRECVLEN:100,,", "", "OK"]
    assert render(template, {"len": [None, 5, None, 7]}) == ["+CIPRECVLEN:,5,,7", "", "OK"]
    line = "+CIPRECVLEN:100,,,,,"
    assert render(template, {"len": match(template, [line, "", "OK"]).all("len")})[0] == line
