"""The check-record format (reports/checks.py) and Spec.form_of_line, which names the form a line invokes."""

from __future__ import annotations

import pytest

from reports.checks import CheckRecord, CheckRecordError
from spec import load_spec


def test_record_round_trips_through_json() -> None:
    record = CheckRecord("AT+SAVETRANSLINK/set/savetrans-udp", "response", "expect.ok", True, "d")
    assert CheckRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "not JSON"),
        ("[1]", "not an object"),
        ('{"form":"AT/execute","category":"response","check":"x"}', "'passed'"),
        ('{"form":"AT/execute","category":"guess","check":"x","passed":true}', "category 'guess'"),
        ('{"form":"AT/execute","category":"urc","check":"x","passed":"yes"}', "'passed'"),
        ('{"form":"AT/execute","category":"urc","check":"x","passed":true,"extra":1}', "unknown fields"),
    ],
)
def test_bad_records_are_refused_with_the_field(text: str, why: str) -> None:
    with pytest.raises(CheckRecordError, match=why):
        CheckRecord.from_json(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("AT", ("AT", "execute")),
        ("ATE0", ("ATE", "execute")),
        ("ATE1", ("ATE", "execute")),
        ("AT+CWMODE?", ("AT+CWMODE", "query")),
        ("AT+CWMODE=1", ("AT+CWMODE", "set")),
        ("AT+RST", ("AT+RST", "execute")),
        ('AT+CIPSTART="TCP","127.0.0.1",80', ("AT+CIPSTART", "set")),
        ("AT+CIPRECVTYPE=1", ("AT+CIPRECVMODE", "set")),  # an alias of the RST names the seed's command
        ("+++", ("+++", "special")),
    ],
)
def test_form_of_line_names_the_guides_form(line: str, expected: tuple[str, str]) -> None:
    found = load_spec().form_of_line(line)
    assert found is not None
    assert (found[0].name, found[1].kind.value) == expected


@pytest.mark.parametrize("line", ["AT+NOSUCH", "AT+GMR?", "hello", ""])
def test_form_of_line_is_none_for_what_the_guide_lacks(line: str) -> None:
    # AT+GMR has only its execute form (3.1.4): a query of it invokes no form of the guide.
    assert load_spec().form_of_line(line) is None
