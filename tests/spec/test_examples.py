"""spec/examples/*.yaml: the 56 chapter-4 examples load, are complete where promised, bind, match the RST."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spec import examples as spec_examples
from spec import load_spec
from spec.example_fields import FORMAT_FIELDS, Ipd, format_fields_of, ipd_of, placeholder_type, recv_count_of
from spec.examples import (
    CommandStep,
    ExampleDataError,
    ExpectUrcStep,
    MissingPlaceholderError,
    PeerStep,
    SendDataStep,
    Step,
    UnknownExampleError,
    declared_placeholders,
    example,
    example_corrections,
    load_example_file,
    load_examples,
)
from spec.examples_extract import raw_steps, section_ref, section_text
from spec.extract.corrections import Corrections
from spec.messages import match_urc
from spec.messages_extract import guide_dir
from spec.params import ParamType

FIRST_SUITES = ["4.1.1", *(f"4.2.{n}" for n in range(1, 14))]


@pytest.fixture(scope="module")
def guide() -> Path:
    path = guide_dir()
    if not (path / "docs" / "en").is_dir():
        pytest.skip(f"the guide's RST is not at {path} (set ESP_AT_GUIDE)")
    return path


def test_all_56_examples_load_in_section_order() -> None:
    sections = [e.section for e in load_examples()]
    assert len(sections) == 56
    assert len(set(sections)) == 56
    assert sections[:14] == FIRST_SUITES


SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_e814a2636a8e47f3.txt"


def test_section_numbers_follow_the_seed_table_of_contents() -> None:
    """The numbering is the printed guide's: its chapter-4 contents less the two introductions."""
    if not SEED.is_file():
        pytest.skip(f"the seed is not at {SEED}")
    head = SEED.read_text(encoding="utf-8").splitlines()[:400]
    toc = [m.group(1) for line in head if (m := re.match(r"^(4\.\d+\.\d+)\t", line))]
    assert len(toc) == 58
    assert [s for s in toc if s not in ("4.3.1", "4.11.1")] == [e.section for e in load_examples()]


def test_the_first_suites_examples_are_complete() -> None:
    for section in FIRST_SUITES:
        ex = example(section)
        assert ex.fidelity == "complete", section
        assert any(isinstance(s, CommandStep) for s in ex.steps), section
        assert ex.requires, section


def test_section_ref_comes_from_the_example_file() -> None:
    ref = section_ref("4.2.10")
    assert ref.file == "AT_Command_Examples/TCP-IP_AT_Examples.rst"
    assert ref.heading.startswith("UART Wi-Fi passthrough transmission when the {IDF_TARGET_NAME} works")
    assert ref.command_set == "tcpip"


def test_every_used_placeholder_is_declared_with_a_guide_value() -> None:
    declared = declared_placeholders()
    for ex in load_examples():
        for name in ex.used_placeholders():
            assert name in declared, (ex.section, name)
            assert name in ex.placeholders, (ex.section, name)


def test_bind_substitutes_every_placeholder() -> None:
    ex = example("4.2.1")
    values = {name: f"<<{name}>>" for name in ex.used_placeholders()}
    values.update(
        {"ap.ssid": "lab-ap", "ap.password": "s3cret", "host.ip": "127.0.0.1", "server.port": "40001"}
    )
    steps = ex.bind(values)
    commands = [s.line for s in steps if isinstance(s, CommandStep)]
    assert 'AT+CWJAP="lab-ap","s3cret"' in commands
    assert 'AT+CIPSTART="TCP","127.0.0.1",40001' in commands
    start = next(s for s in steps if isinstance(s, PeerStep) and s.action == "start")
    assert start.args == {"host": "127.0.0.1", "port": "40001"}
    assert not any("{" in text for s in steps if isinstance(s, CommandStep) for text in [s.line, *s.response])
    # the model is immutable: binding leaves the loaded example as it was
    assert ex.commands()[1] == 'AT+CWJAP="{ap.ssid}","{ap.password}"'


def test_bind_names_every_missing_placeholder() -> None:
    ex = example("4.2.1")
    with pytest.raises(MissingPlaceholderError) as info:
        ex.bind({"ap.ssid": "x"})
    message = str(info.value)
    assert message.startswith("example 4.2.1 needs values for ap.password, board.sta_ip")
    assert "server.port" in message and "(given: ap.ssid)" in message


def test_unknown_section_is_a_clear_error() -> None:
    with pytest.raises(
        UnknownExampleError, match=r"no example for section '4\.99\.1' \(have: 4\.1\.1, 4\.2\.1"
    ):
        example("4.99.1")


def test_invalid_files_are_rejected_with_the_cause(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "spec" / "examples" / "4.2.1.yaml").read_text(
        encoding="utf-8"
    )
    cases = {
        "undeclared": (text.replace("{host.ip}", "{host.nope}"), "placeholder {host.nope} is not declared"),
        "unused": (
            text.replace('  server.port: "8080"\n', '  server.port: "8080"\n  host.ip2: x\n'),
            "no step",
        ),
        "peer": (text.replace("action: start", "action: dance"), "peer 'tcp-server' has no action 'dance'"),
        "correction": (
            text.replace("kind: send_data", "kind: send_data\n    correction: nope\n    guide_line: x"),
            "correction 'nope' is not in corrections.yaml",
        ),
        "capability": (text.replace("requires: [wifi-ap", "requires: [teleport"), "not a known capability"),
        "kind": (text.replace("kind: send_data", "kind: sing"), "does not match the Example schema"),
    }
    for name, (broken, message) in cases.items():
        path = tmp_path / name / "4.2.1.yaml"
        path.parent.mkdir()
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ExampleDataError, match=re.escape(message)):
            load_example_file(path)
    misnamed = tmp_path / "4.2.2.yaml"
    misnamed.write_text(text, encoding="utf-8")
    with pytest.raises(ExampleDataError, match="file name must be the section number '4.2.1'"):
        load_example_file(misnamed)


def test_every_correction_is_used_by_its_example() -> None:
    used = {
        step.correction: ex.section
        for ex in load_examples()
        for step in ex.steps
        if step.correction is not None
    }
    fixes = example_corrections()
    assert sorted(used) == sorted(fixes)
    assert all(fixes[name].section == section for name, section in used.items())


_ANNOUNCED = [
    re.compile(r'AT\+CIPSEND=(\d+)(?:,"|$)'),  # single connection, optionally to another UDP peer
    re.compile(r"AT\+CIPSEND=\d+,(\d+)$"),  # <link ID>,<length>
    re.compile(r"AT\+(?:WSSEND|BTSPPSEND)=\d+,(\d+)$"),
    re.compile(r'AT\+MQTTPUBRAW=\d+,"[^"]*",(\d+),'),
    re.compile(r'AT\+HTTPCP(?:OST|UT)="[^"]*",(\d+),'),
    re.compile(r"AT\+BLEGATTCWR=\d+,\d+,\d+,\d*,(\d+)$"),
    re.compile(r"AT\+BLEGATTS(?:IND|NTFY)=\d+,\d+,\d+,(\d+)$"),
    re.compile(r"AT\+BLEGATTSSETATTR=\d+,\d+,\d*,(\d+)$"),
    re.compile(r"AT\+BLUFISEND=(\d+)$"),
    re.compile(r"AT\+SYSMSGFILTERCFG=1,(\d+),(\d+)$"),  # head length + tail length
]


def test_sent_data_has_the_length_its_command_announces() -> None:
    checked = 0
    for ex in load_examples():
        steps = ex.guide_steps()
        for before, step in zip(steps, steps[1:], strict=False):
            if not (isinstance(before, CommandStep) and isinstance(step, SendDataStep)):
                continue
            lengths = [m for p in _ANNOUNCED if (m := p.search(before.line))]
            assert lengths, f"{ex.section}: no length rule for {before.line!r}"
            announced = sum(int(g) for g in lengths[0].groups())
            assert len(step.data.encode()) == announced, (ex.section, before.line, step.data)
            checked += 1
    assert checked >= 20  # every example that sends data after a prompt


def _form_of(line: str) -> tuple[str, str]:
    """(command name, form kind) of a command line, as chapter 3 names them (3.15 command types)."""
    if re.fullmatch(r"ATE[01]", line):
        return "ATE", "execute"  # ATE0/ATE1 are the two spellings of one execute command
    m = re.fullmatch(r"(AT\+?[A-Z_0-9]*?)(=\?|\?|=.*)?", line)
    assert m, line
    rest = m.group(2)
    return m.group(1), "test" if rest == "=?" else "query" if rest == "?" else "set" if rest else "execute"


def test_every_example_command_has_its_form_in_chapter_3() -> None:
    spec = load_spec()
    for ex in load_examples():
        for step in ex.steps:
            if isinstance(step, CommandStep):
                name, kind = _form_of(step.line)
                assert spec.command(name).form(kind) is not None, f"{ex.section}: {name} has no {kind} form"


def test_declared_urcs_are_active_reports_and_none_is_missed() -> None:
    for ex in load_examples():
        for step in ex.steps:
            if not isinstance(step, CommandStep):
                continue
            for line in step.urcs:
                assert match_urc(line) is not None, (ex.section, line)
            for line in step.response:
                if match_urc(line) is not None:
                    assert line in step.urcs, (ex.section, step.line, line)


def test_expect_urc_steps_hold_reports() -> None:
    for section in COMPLETE:
        for step in example(section).steps:
            if isinstance(step, ExpectUrcStep):
                for line in step.lines:
                    assert line == "..." or match_urc(line) is not None, (section, line)


# ------------------------------------------------------------------------------------- drift against RST


def _pattern(line: str) -> re.Pattern[str]:
    """A response line as a regex: <name> fields match any text."""
    parts = re.split(r"(<[^<>]+>)", line)
    return re.compile(
        "".join(".+?" if p.startswith("<") and p.endswith(">") else re.escape(p) for p in parts)
    )


def _guide_lines(steps: list[Step]) -> list[tuple[str, str]]:
    """(kind, line) for every line of guide-origin steps, with the guide's values put back."""
    out = []
    for step in steps:
        if step.origin != "guide":
            continue
        if step.guide_line is not None:
            out.append(("corrected", step.guide_line))
            continue
        if isinstance(step, CommandStep):
            out.append(("command", step.line))
            if step.response_shown:
                out.extend(("response", x) for x in step.response if x)
        elif isinstance(step, SendDataStep):
            out.extend(("response", x) for x in step.response if x)
        elif isinstance(step, ExpectUrcStep):
            out.extend(("urc", x) for x in step.lines)
    return out


@pytest.mark.parametrize("section", [e.section for e in load_examples()])
def test_every_example_line_occurs_in_its_rst_section(guide: Path, section: str) -> None:
    ex = example(section)
    rst = section_text(section, guide)
    text_lines = [x.strip() for x in rst.lines]
    for kind, line in _guide_lines(ex.guide_steps()):
        if kind in ("command", "corrected"):
            assert any(line in x for x in text_lines), f"{section}: {kind} line {line!r} not in {rst.path}"
        elif line == "...":
            continue  # a repetition mark of the template notation, not text
        elif not any(line in x for x in text_lines):  # most lines are literal; only then try the template
            pattern = _pattern(line)
            assert any(pattern.search(x) for x in text_lines), f"{section}: {kind} {line!r} not in {rst.path}"


COMPLETE = [ex.section for ex in load_examples() if ex.fidelity == "complete"]


def _block_regex(template: list[str]) -> re.Pattern[str]:
    """A response template (one entry per line) as a regex over the whole block joined with newlines.

    ``...`` repeats the line above; ``<data>``/``<body>`` fields may span lines (length-framed payloads);
    other ``<fields>`` stay within their line.
    """
    pieces: list[str] = []
    for line in template:
        if line == "...":
            pieces[-1] = f"(?:{pieces[-1]})+"
            continue
        out = ""
        for part in re.split(r"(<[^<>]+>)", line):
            if part in ("<data>", "<body>"):
                out += r"(?s:.*?)"
            elif part.startswith("<") and part.endswith(">"):
                out += r"[^\n]*?"
            else:
                out += re.escape(part)
        pieces.append(out + r"\n")
    return re.compile("".join(pieces))


def test_command_lines_occur_in_the_chinese_edition(guide: Path) -> None:
    """The zh_CN edition of each example page holds the same command lines (a check on the English text)."""
    for ex in load_examples():
        text = (guide / "docs" / "zh_CN" / ex.source.file).read_text(encoding="utf-8")
        for step in ex.guide_steps():
            if isinstance(step, CommandStep) and step.origin == "guide":
                line = step.guide_line if step.guide_line and step.guide_line.startswith("AT") else step.line
                assert line in text, f"{ex.section}: {line!r} not in the zh_CN {ex.source.file}"


@pytest.mark.parametrize("section", COMPLETE)
def test_command_responses_are_the_guides_blocks(guide: Path, section: str) -> None:
    """For the complete examples, each command's response matches a Response block of the guide."""
    pairs: dict[str, list[str]] = {}
    for raw in raw_steps(section, guide):
        last = None
        for block in raw.blocks:
            if block.label == "command":
                last = block.lines[-1].strip()
            elif block.label == "response" and last is not None:
                pairs.setdefault(last, []).append("".join(x.strip() + "\n" for x in block.lines))
                last = None
    for step in example(section).guide_steps():
        if not isinstance(step, CommandStep) or step.origin != "guide" or step.correction:
            continue
        if step.raw_response is not None or not step.response_shown:
            continue
        blocks = pairs.get(step.line)
        assert blocks, f"{section}: no Command block {step.line!r}"
        pattern = _block_regex(step.response)
        assert any(pattern.fullmatch(b) for b in blocks), (
            f"{section}: response of {step.line!r} is {step.response}, the guide has {blocks}"
        )


# --- strict replays: typed fields, stated lengths, corrections with evidence (issue 13, point 5) ----------

_EVIDENCE = re.compile(r"(guide|release|issue|source|none): \S")


def _corrections() -> Corrections:
    return Corrections.load(Path(spec_examples.__file__).resolve().parent / "corrections.yaml")


def test_every_chapter4_correction_and_omission_cites_its_evidence() -> None:
    data = _corrections()
    entries = [(c.id, c.evidence) for c in data.chapter4] + [
        (o.what, o.evidence) for o in data.chapter4_omissions
    ]
    assert len(entries) >= 19
    for name, evidence in entries:
        assert evidence, name
        for item in evidence:
            assert _EVIDENCE.match(item), f"{name}: evidence {item!r} is not '<kind>: <where> - <what>'"
            if item.startswith("issue:"):
                assert "https://github.com/espressif/" in item, f"{name}: an issue needs its URL: {item!r}"
        # a correction resting on chapter 3 alone says so (kind none) rather than staying silent
        assert any(not e.startswith("none:") for e in evidence), f"{name}: evidence only of absence"


def test_every_report_a_replayed_example_adds_is_an_omission_with_evidence() -> None:
    omitted = {s for o in _corrections().chapter4_omissions for s in o.sections}
    for section in FIRST_SUITES:
        ex = example(section)
        for index, step in enumerate(ex.steps, 1):
            if isinstance(step, ExpectUrcStep) and step.origin == "added":
                assert section in omitted, (
                    f"{section} step {index} adds {step.lines} with no chapter4_omissions entry"
                )


def test_format_fields_are_typed() -> None:
    for ex in load_examples():
        for step in ex.steps:
            lines = step.lines if isinstance(step, ExpectUrcStep) else getattr(step, "response", [])
            for line in lines:
                for name in format_fields_of(line):
                    assert name in FORMAT_FIELDS, f"{ex.section}: <{name}> in {line!r}"


def test_an_untyped_field_fails_to_load(tmp_path: Path) -> None:
    text = (spec_examples.EXAMPLES_DIR / "4.2.1.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "4.2.1.yaml"
    bad.write_text(text.replace('lines: ["+IPD,4:test"]', 'lines: ["+IPD,<length>:test"]'), encoding="utf-8")
    with pytest.raises(ExampleDataError, match="<length>"):
        load_example_file(bad)


def test_stated_lengths_are_what_was_sent() -> None:
    """Recv <n> bytes is the length of the data the step sent (3.3 AT+CIPSEND); +IPD's length is that of its
    data and of what the peer sent just before (3.17)."""
    checked = 0
    for section in FIRST_SUITES:
        steps = example(section).guide_steps()
        peer_sent: str | None = None
        for step in steps:
            if isinstance(step, SendDataStep):
                for line in step.response:
                    count = recv_count_of(line)
                    if count is not None:
                        assert count == len(step.data.encode()), (section, line, step.data)
                        checked += 1
            elif isinstance(step, PeerStep) and step.action == "send":
                peer_sent = step.data
            elif isinstance(step, ExpectUrcStep):
                for line in step.lines:
                    ipd = ipd_of(line)
                    if ipd is None:
                        continue
                    if ipd.data is not None:
                        assert ipd.length == len(ipd.data.encode()), (section, line)
                    assert peer_sent is not None and ipd.length == len(peer_sent.encode()), (section, line)
                    checked += 1
    assert checked >= 18  # every Recv and +IPD line of 4.1 and 4.2


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("0,CONNECT", "CONNECT"),
        ("CLOSED", "CLOSED"),
        ("+IPD,4:test", "+IPD"),
        ('+STA_CONNECTED:"02:00:00:00:10:01"', "+STA_CONNECTED"),
        ("WIFI GOT IP", "WIFI GOT IP"),
        ("+TIME_UPDATED", "+TIME_UPDATED"),
    ],
)
def test_report_names(line: str, name: str) -> None:
    from spec.example_fields import report_name

    assert report_name(line) == name


def test_ipd_and_recv_parts() -> None:
    assert ipd_of("+IPD,4:test") == Ipd(None, 4, "test")
    assert ipd_of("+IPD,0,4:test") == Ipd(0, 4, "test")
    assert ipd_of('+IPD,0,4,"192.168.3.102",8080:test') == Ipd(0, 4, "test")
    assert ipd_of("+IPD,4") == Ipd(None, 4, None)  # passive mode (3.3 AT+CIPRECVMODE)
    assert ipd_of("+CIPRECVDATA:4,test") is None
    assert recv_count_of("Recv 7 bytes") == 7 and recv_count_of("SEND OK") is None


@pytest.mark.parametrize(
    ("name", "ptype"),
    [
        ("board.sta_ip", ParamType.IP),
        ("board.ap_gateway", ParamType.IP),
        ("board.sta_netmask", ParamType.IP),
        ("host.ip2", ParamType.IP),
        ("station.mac", ParamType.MAC),
        ("server.port", ParamType.INT),
        ("board.port", ParamType.INT),
        ("softap.ssid", ParamType.STR),
    ],
)
def test_learned_placeholders_are_typed_by_name(name: str, ptype: ParamType) -> None:
    assert placeholder_type(name) is ptype
