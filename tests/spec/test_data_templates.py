"""Every response template of the data compiles with spec.template, and every command's own example
response matches its form's templates through spec.matcher (or is corrected in corrections.yaml)."""

from __future__ import annotations

import pytest

from spec import Command, Form, load_spec

template = pytest.importorskip("spec.template")
matcher = pytest.importorskip("spec.matcher")


def _without_prompt(text: str) -> str:
    """The response without a trailing ">" prompt line and the blank lines before it (see the decision
    "the four framings of the > prompt" in corrections.yaml: the prompt is a codec event, not a line)."""
    lines = text.split("\n")
    if lines and lines[-1].strip() == ">":
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines)


def _form_for(command: Command, sent: str) -> Form | None:
    if sent.endswith("=?"):
        kind = "test"
    elif sent.endswith("?"):
        kind = "query"
    elif "=" in sent:
        kind = "set"
    else:
        kind = "execute"
    return command.form(kind)


def _all_templates() -> list[tuple[str, str]]:
    return [
        (f"{c.name}/{f.kind.value}/{i}", t)
        for c in load_spec()
        for f in c.forms
        for i, t in enumerate(f.responses)
    ]


def test_every_template_compiles() -> None:
    failures = []
    for c in load_spec():
        params = {p.name: p for p in c.params}
        for f in c.forms:
            for t in f.responses:
                body = _without_prompt(t)
                if not body:
                    continue  # the response is the prompt alone (3.4.23 ...)
                try:
                    template.compile_template(body, params)
                except template.TemplateError as exc:
                    failures.append(f"{c.section} {c.name} {f.kind.value}: {exc}")
    assert not failures, "\n".join(failures)
    assert len(_all_templates()) > 300


def _phases(response: str) -> list[str]:
    """Split an example response at ">" prompt lines: the parts before and after the data phase."""
    parts, current = [], []
    for line in response.split("\n"):
        if line.strip() == ">":
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    parts.append("\n".join(current))
    return [p.strip("\n") for p in parts if p.strip()]


def _examples() -> list[tuple[Command, str, str]]:
    out = []
    for c in load_spec():
        for e in c.examples:
            name = e.command.split("=")[0].rstrip("?")
            if e.response and (name == c.name or name in c.aliases):
                out.append((c, e.command, e.response))
    return out


@pytest.mark.parametrize(("command", "sent", "response"), _examples(), ids=lambda x: getattr(x, "name", x))
def test_example_response_matches_its_template(command: Command, sent: str, response: str) -> None:
    form = _form_for(command, sent)
    assert form is not None and form.responses, f"{command.name}: no form for example {sent!r}"
    params = {p.name: p for p in command.params}
    options = matcher.MatchOptions(blank_lines=matcher.BlankLines.IGNORE)
    texts = [_without_prompt(t) for t in form.responses if _without_prompt(t)]
    alternatives = template.compile_alternatives(texts, params, strict=False)
    for phase in _phases(response):
        try:
            matcher.match(alternatives, phase.split("\n"), options)
        except matcher.MatchError:
            # a later phase (after the data) may be the concatenation of single-line templates
            # (3.14.3: "Recv <url len> bytes" then "OK")
            for line in [x for x in phase.split("\n") if x.strip()]:
                matcher.match(alternatives, [line], options)
