"""Self-tests of the chapter-4 runner (fixtures/example_runner.py) on reports that follow a command's final
result (3.4.6 AT+BLESCAN: OK, one +BLESCAN per advertisement, +BLESCANDONE when a timed scan ends; the 4.3
corrections ``4.3.x-blescan-done``) and on reports steps whose count is open (``...``: 4.3.4's key types up to
+BLEAUTHCMPL), replayed on a scripted board (tests/plugin/example_board.py) that prints what each case says.
Also the drafts and the requirements no rig meets yet, which are skipped with their reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fixtures import example_runner
from fixtures.example_errors import ExampleStepError, ExampleUnsupported
from fixtures.example_runner import _after_final
from spec.examples import CommandStep, Example, example
from tests.plugin.example_board import Board421, runner_on

SCAN = '+BLESCAN:"<addr>",<rssi>,<adv_data>,<scan_rsp_data>,<addr_type>'
#: 4.3.2's transcript (bluetooth_le_at_examples.rst:219-222), then the end of the 3 s scan (3.4.6)
GUIDE_SCAN = (
    b"\r\nOK\r\n"
    b'+BLESCAN:"5b:3b:6c:51:90:49",-87,02011a020a0c0aff4c001005071c3024dc,,1\r\n'
    b'+BLESCAN:"24:0a:c4:d6:e4:46",-29,,,0\r\n'
    b"+BLESCANDONE\r\n"
)
#: 4.3.4's server side after AT+BLEKEYREPLY (bluetooth_le_at_examples.rst:1270-1276)
GUIDE_KEYS = b"+BLESECKEYTYPE:0,16\r\n+BLESECKEYTYPE:0,1\r\n+BLESECKEYTYPE:0,32\r\n+BLESECKEYTYPE:0,2\r\n"


@dataclass
class BleBoard(Board421):
    """Answers AT+BLESCAN=1,3 and AT+BLEKEYREPLY with ``replies`` (what each case prints)."""

    replies: dict[str, bytes] = field(default_factory=dict)

    def respond(self, line: str) -> bytes:
        if line in self.replies:
            return self.replies[line]
        return super().respond(line)


def _example(*steps: dict) -> Example:
    return Example.model_validate({
        "section": "4.3.2", "title": "reports after OK", "source": {"file": "x", "heading": "x"},
        "command_set": "ble", "requires": [], "fidelity": "complete", "steps": list(steps),
    })  # fmt: skip


SCAN_STEP = {
    "kind": "command",
    "line": "AT+BLESCAN=1,3",
    "response": ["OK", SCAN, "...", "+BLESCANDONE"],
    "urcs": [SCAN, "+BLESCANDONE"],
}
KEYS_STEPS = (
    {"kind": "command", "line": "AT+BLEKEYREPLY=0,793718", "response": ["OK"]},
    {"kind": "expect_urc", "lines": ["+BLESECKEYTYPE:0,<key_type>", "...", "+BLEAUTHCMPL:0,0"]},
)


def _replay(ex: Example, replies: dict[str, bytes]) -> None:
    with runner_on(BleBoard(replies=replies)) as runner:
        runner.run(ex)


def test_reports_after_ok_up_to_the_one_that_ends_them() -> None:
    _replay(_example(SCAN_STEP), {"AT+BLESCAN=1,3": GUIDE_SCAN})


@pytest.mark.parametrize(
    "printed, shown",
    [
        # a report with an address that is not one (3.4.6 <"addr">)
        (GUIDE_SCAN.replace(b'"24:0a:c4:d6:e4:46"', b'"24:0a:c4"'), "24:0a:c4"),
        # a report before OK, where the transcript has none
        (b'+BLESCAN:"24:0a:c4:d6:e4:46",-29,,,0\r\n' + GUIDE_SCAN, "+BLESCAN"),
        # no report at all before the scan ends
        (b"\r\nOK\r\n+BLESCANDONE\r\n", "+BLESCANDONE"),
    ],
    ids=["not-a-mac", "before-ok", "none"],
)
def test_reports_after_ok_that_depart_fail_the_step(printed: bytes, shown: str) -> None:
    with pytest.raises(ExampleStepError, match="step 1") as info:
        _replay(_example(SCAN_STEP), {"AT+BLESCAN=1,3": printed})
    assert shown in str(info.value)


def test_open_count_reports_run_to_the_last_line() -> None:
    keys = {"AT+BLEKEYREPLY=0,793718": b"\r\nOK\r\n" + GUIDE_KEYS + b"+BLEAUTHCMPL:0,0\r\n"}
    _replay(_example(*KEYS_STEPS), keys)


def test_open_count_reports_fail_on_a_wrong_end() -> None:
    keys = {
        "AT+BLEKEYREPLY=0,793718": b"\r\nOK\r\n" + GUIDE_KEYS + b"+BLEAUTHCMPL:0,1\r\n+BLEAUTHCMPL:0,0\r\n"
    }
    with pytest.raises(ExampleStepError, match="step 2") as info:
        _replay(_example(*KEYS_STEPS), keys)
    assert "actual:   +BLEAUTHCMPL:0,1" in str(info.value)


def test_after_final_names_the_lines_after_ok() -> None:
    assert _after_final(CommandStep.model_validate(SCAN_STEP)) == [SCAN, "...", "+BLESCANDONE"]
    prompt = {"kind": "command", "line": "AT+BLESPP", "response": ["OK", "", ">"]}
    assert _after_final(CommandStep.model_validate(prompt)) == []
    open_end = {**SCAN_STEP, "response": ["OK", SCAN, "..."], "urcs": [SCAN]}
    with pytest.raises(ExampleStepError, match="end with one"):
        _after_final(CommandStep.model_validate(open_end))


def test_a_draft_says_what_stands_in_its_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """A draft is skipped with its chapter4_unresolved reason (4.3.3's was, until its labels were settled:
    spec/corrections.yaml 4.3.3-gattcwr-on-server), or a general one when none is listed."""
    draft = example("4.3.3").model_copy(update={"fidelity": "draft"})
    with runner_on(BleBoard()) as runner, pytest.raises(ExampleUnsupported, match="not every step"):
        runner.prepare(draft)
    monkeypatch.setattr(example_runner, "unresolved_examples", lambda: {"4.3.3": "the labels contradict"})
    with runner_on(BleBoard()) as runner, pytest.raises(ExampleUnsupported, match="the labels contradict"):
        runner.prepare(draft)


def test_a_capability_no_rig_provides_yet_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A requirement mapped to None is skipped with its NOT_YET reason (4.12.1's blufi-app was, until the
    BluFi phone played the app)."""
    monkeypatch.setitem(example_runner.EXAMPLE_CAPABILITIES, "blufi-app", None)
    monkeypatch.setitem(example_runner.NOT_YET, "blufi-app", "the app is not played")
    with runner_on(BleBoard()) as runner, pytest.raises(ExampleUnsupported, match="the app is not played"):
        runner.prepare(example("4.12.1"))
