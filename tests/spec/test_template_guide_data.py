"""Every response template the extractor took from the guide (spec/data/*.yaml) compiles."""

import pytest

from spec import Command, Form, load_spec
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
