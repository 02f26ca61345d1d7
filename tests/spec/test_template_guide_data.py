"""Every response template the extractor took from the guide (spec/data/*.yaml) compiles, and what it
renders for random valid values matches it."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.spec.test_template_render import responses

from spec import Command, Form, load_spec
from spec.matcher import match
from spec.template import compile_alternatives

FORMS = [
    pytest.param(command, form, id=f"{command.name}/{form.kind}")
    for command in load_spec().commands
    for form in command.forms
    if form.responses
]


@pytest.mark.parametrize(("command", "form"), FORMS)
def test_guide_response_compiles(command: Command, form: Form) -> None:
    # Not strict: a few response blocks name a placeholder differently from the parameter list
    # (AT+SYSTIMESTAMP? writes <Unix_timestamp>, the list <Unix-timestamp>); corrections settle those.
    template = compile_alternatives(form.responses, {p.name: p for p in command.params}, strict=False)
    assert len(template.alternatives) == len(form.responses)
    assert all(template.alternatives)


@pytest.mark.parametrize(("command", "form"), FORMS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(data=st.data())
def test_guide_response_renders_and_matches(command: Command, form: Form, data: st.DataObject) -> None:
    template = compile_alternatives(form.responses, {p.name: p for p in command.params}, strict=False)
    lines = data.draw(responses(template))
    assert [lm.text for lm in match(template, lines).lines] == lines
