"""The worked examples of chapter 4 of the guide as ordered steps: model and loader for spec/examples/*.yaml.

Each example file holds one example (a section 4.x.y): where it comes from in the guide, the command set,
the rig capabilities it needs, the placeholders it uses with the concrete value the guide printed, and its
steps. Lines keep the guide's text with concrete values replaced by ``{placeholders}``; response fields
that differ on every run (times, RSSI) are written ``<name>`` and matched by their type (spec.example_fields).

>>> ex = example("4.2.1")
>>> steps = ex.bind(rig_values)           # every {placeholder} replaced, or MissingPlaceholderError
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spec.datafile import SpecDataError
from spec.example_corrections import CORRECTIONS_FILE, example_corrections
from spec.example_fields import FORMAT_FIELDS, format_fields_of

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
PLACEHOLDERS_FILE = EXAMPLES_DIR / "PLACEHOLDERS.yaml"

#: ``{ap.ssid}``: lower-case dotted names only, so JSON braces and ``{IDF_TARGET_NAME}`` never match.
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\}")

#: Capabilities a rig offers; an example lists the ones it needs in ``requires``.
CAPABILITIES = frozenset(
    {
        "wifi-ap",  # an access point the board joins as a station
        "softap-station",  # a station (the host) that joins the board's soft-AP
        "tcp-server",
        "tcp-client",
        "udp-endpoint",
        "ssl-server",
        "ssl-client",
        "ssl-mutual-auth",  # peers with the PKI matching the board's client/server certificates
        "sntp-server",
        "mdns-browser",
        "http-server",
        "https-server",
        "mqtt-broker",
        "mqtt-broker-tls",
        "mqtt-broker-wss",
        "ws-server",
        "wss-server",
        "ble-peer",  # a second board or a BLE central/peripheral on the host
        "bt-peer",  # a Classic Bluetooth device (second board, phone or PC)
        "a2dp-source",
        "phone-app",  # a step needs a phone application (LightBlue, EspBlufi, ESPTouch, WeChat)
        "blufi-app",  # the EspBluFi phone app, a BluFi client over Bluetooth LE (4.12.1)
        "ble-phone",  # a phone's BLE debugging app (LightBlue) as the GATT client of the board (4.3.6, 4.3.7)
        "browser",
        "ethernet",
        "cloud-aws-iot",
        "custom-firmware",  # the guide builds or flashes a special firmware first
        "firmware-pki",  # the firmware's certificate partitions carry the peers' PKI (rebuilt, or AT+SYSMFG)
        "power-meter",
        "ota-server",
        "wps-ap",
        "second-board",  # the example drives two boards (MQTT publisher/subscriber, BLE server/client)
    }
)

#: Host-side peers that ``peer`` steps drive, and the actions each understands.
PEER_ACTIONS: Mapping[str, frozenset[str]] = {
    "tcp-server": frozenset({"start", "send", "expect_receive", "close"}),
    "tcp-client": frozenset({"connect", "send", "expect_receive", "close"}),
    "udp-endpoint": frozenset({"start", "send", "expect_receive", "close"}),
    "ssl-server": frozenset({"start", "send", "expect_receive", "close"}),
    "ssl-client": frozenset({"connect", "send", "expect_receive", "close"}),
    "station": frozenset({"join", "leave"}),
    "sntp-server": frozenset({"start"}),
    "mdns-browser": frozenset({"browse"}),
    "http-server": frozenset({"start", "serve", "expect_request"}),
    "mqtt-broker": frozenset({"start", "publish", "expect_receive"}),
    "ws-server": frozenset({"start", "send", "expect_receive"}),
    "ble-peer": frozenset(
        {"scan", "connect", "read", "write", "notify", "indicate", "pair", "update", "disconnect"}
    ),
    "bt-peer": frozenset({"connect", "send", "expect_receive", "pair", "disconnect", "expect_stream"}),
    # the EspBluFi app of 4.12.1: it connects to the board by its BluFi name, configures a station (opmode,
    # SSID, password, connect), shows the device's status response and custom data, and sees its link end
    "blufi-app": frozenset({"connect", "configure", "expect_status", "expect_receive", "expect_disconnect"}),
}


class ExampleDataError(SpecDataError):
    """An example file is missing or invalid; the message names the file and the field."""


class UnknownExampleError(KeyError):
    """No example has the requested section number."""

    def __str__(self) -> str:
        return str(self.args[0])


class MissingPlaceholderError(KeyError):
    """bind() was not given a value for a placeholder the example uses."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Step(_Model):
    #: guide: the step is in the guide (a code block or its prose); added: the guide leaves it out but the
    #: sequence needs it (a peer action, a report 3.17 says the board prints) and ``note`` says why
    origin: Literal["guide", "added"] = "guide"
    #: which board runs the step, for examples with several (``Example.boards``); None: the first board
    board: str | None = None
    note: str | None = None
    #: the guide's original text where this step holds a corrected line (see spec/corrections.yaml, chapter4)
    guide_line: str | None = None
    correction: str | None = None


class CommandStep(_Step):
    """Send one AT command line; expect the response lines as the guide prints them (blank lines kept).

    ``urcs`` are the lines of ``response`` that are active reports (3.17); they keep their place among the
    response lines (``WIFI GOT IP`` before AT+CWJAP's ``OK``). A response ending in ``>`` leaves the board
    waiting for data (a ``send_data`` step follows).
    """

    kind: Literal["command"]
    line: str
    response: list[str]
    urcs: list[str] = Field(default_factory=list)
    #: instead of lines, the port carries exactly these bytes (e.g. a download with all framing filtered)
    raw_response: str | None = None
    #: False when the guide prints the command but not its response; ``response`` is then the one the
    #: command's own section (chapter 3) documents, and ``note`` says so
    response_shown: bool = True
    #: lines the response holds somewhere among its repeated lines (``...``), one line each, where the guide
    #: shows the one the next steps use (4.10.4: the slave among +BTSTARTDISC's inquiry results); their
    #: placeholders are learned from the matching line(s), which must all give the same values
    includes: list[str] = Field(default_factory=list)


class SendDataStep(_Step):
    """Send raw bytes after the ``>`` prompt (normal transmission mode); expect the response lines."""

    kind: Literal["send_data"]
    data: str
    response: list[str]


class PeerStep(_Step):
    """Make a host-side peer act: start a server, connect, send ``data``, expect ``data`` to arrive, join."""

    kind: Literal["peer"]
    peer: str
    action: str
    data: str | None = None
    args: dict[str, str] = Field(default_factory=dict)


class ExpectUrcStep(_Step):
    """Expect active reports (or +IPD and its payload) on the AT port, with no command sent."""

    kind: Literal["expect_urc"]
    lines: list[str]


class PassthroughStep(_Step):
    """In passthrough mode: ``send`` raw data, ``receive`` data from the peer, or ``exit`` with ``+++``."""

    kind: Literal["passthrough"]
    action: Literal["send", "receive", "exit"]
    data: str | None = None


class WaitStep(_Step):
    """Wait before the next step (the guide asks for a pause, e.g. 1 s after ``+++``)."""

    kind: Literal["wait"]
    seconds: float


class ManualStep(_Step):
    """A step the guide does with a phone, a browser or a build tool; ``action`` says what, in our words."""

    kind: Literal["manual"]
    action: str


Step = Annotated[
    CommandStep | SendDataStep | PeerStep | ExpectUrcStep | PassthroughStep | WaitStep | ManualStep,
    Field(discriminator="kind"),
]


class Source(_Model):
    """Where the example is in the guide's RST."""

    file: str
    heading: str


class Example(_Model):
    """One worked example of chapter 4 (e.g. 4.2.1)."""

    section: str
    title: str
    source: Source
    command_set: str
    requires: list[str]
    #: complete: every step of the guide is modelled, with peers; draft: commands and responses only
    fidelity: Literal["complete", "draft"]
    #: the roles of the boards the example drives, first one the default of every step
    boards: list[str] = Field(default_factory=lambda: ["dut"])
    placeholders: dict[str, str] = Field(default_factory=dict)
    steps: list[Step]
    notes: list[str] = Field(default_factory=list)

    def used_placeholders(self) -> list[str]:
        """Placeholder names the steps use, in first-use order."""
        seen: dict[str, None] = {}
        for text in _texts(self.steps):
            for name in PLACEHOLDER.findall(text):
                seen.setdefault(name)
        return list(seen)

    def commands(self) -> list[str]:
        """The command lines of the example, unbound."""
        return [s.line for s in self.steps if isinstance(s, CommandStep)]

    def bind(self, values: Mapping[str, str]) -> list[Step]:
        """The steps with every ``{placeholder}`` replaced by ``values[name]``.

        Raises MissingPlaceholderError naming every placeholder that ``values`` lacks.
        """
        missing = [name for name in self.used_placeholders() if name not in values]
        if missing:
            raise MissingPlaceholderError(
                f"example {self.section} needs values for {', '.join(missing)} "
                f"(given: {', '.join(sorted(values)) or 'none'})"
            )
        return [_bind_step(step, values) for step in self.steps]

    def guide_steps(self) -> list[Step]:
        """The steps with the guide's own concrete values put back (for checking against the RST)."""
        return self.bind(self.placeholders)


_NOT_BOUND = frozenset({"note", "guide_line", "correction", "kind", "origin", "board"})


def _substitute(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _bind_step(step: Step, values: Mapping[str, str]) -> Step:
    update: dict[str, object] = {}
    for field, value in step:
        if field in _NOT_BOUND:
            continue
        if isinstance(value, str):
            update[field] = _substitute(value, values)
        elif isinstance(value, list):
            update[field] = [_substitute(v, values) for v in value]
        elif isinstance(value, dict):
            update[field] = {k: _substitute(v, values) for k, v in value.items()}
    return step.model_copy(update=update)


def _texts(steps: list[Step]) -> list[str]:
    out: list[str] = []
    for step in steps:
        for field, value in step:
            if field in _NOT_BOUND:
                continue
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(value)
            elif isinstance(value, dict):
                out.extend(value.values())
    return out


@cache
def declared_placeholders() -> Mapping[str, str]:
    """Every placeholder name an example may use, with its meaning (spec/examples/PLACEHOLDERS.yaml)."""
    data = _read(PLACEHOLDERS_FILE)
    if not isinstance(data, dict) or not isinstance(data.get("placeholders"), dict):
        raise ExampleDataError(f"{PLACEHOLDERS_FILE}: expected a mapping under 'placeholders'")
    return dict(data["placeholders"])


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExampleDataError(f"cannot read {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ExampleDataError(f"{path} is not valid YAML: {exc}") from exc


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section.split("."))


def load_example_file(path: Path) -> Example:
    """Load and check one example file."""
    try:
        ex = Example.model_validate(_read(path))
    except ValidationError as exc:
        raise ExampleDataError(f"{path} does not match the Example schema:\n{exc}") from exc
    if path.stem != ex.section:
        raise ExampleDataError(f"{path}: file name must be the section number {ex.section!r}")
    problems = _check(ex)
    if problems:
        raise ExampleDataError(f"{path}: " + "; ".join(problems))
    return ex


def _check(ex: Example) -> list[str]:
    problems = []
    declared = declared_placeholders()
    used = ex.used_placeholders()
    for name in used:
        if name not in declared:
            problems.append(f"placeholder {{{name}}} is not declared in {PLACEHOLDERS_FILE.name}")
        if name not in ex.placeholders:
            problems.append(f"placeholder {{{name}}} has no guide value under 'placeholders'")
    for name in ex.placeholders:
        if name not in used:
            problems.append(f"placeholder {name!r} is listed but no step uses it")
    if len(ex.boards) > 1 and "second-board" not in ex.requires:
        problems.append(f"{len(ex.boards)} boards need 'second-board' in requires")
    for cap in ex.requires:
        if cap not in CAPABILITIES:
            problems.append(f"requires {cap!r} is not a known capability")
    for index, step in enumerate(ex.steps, 1):
        if isinstance(step, PeerStep):
            actions = PEER_ACTIONS.get(step.peer)
            if actions is None:
                problems.append(f"step {index}: unknown peer {step.peer!r}")
            elif step.action not in actions:
                problems.append(f"step {index}: peer {step.peer!r} has no action {step.action!r}")
        if isinstance(step, CommandStep):
            for line in step.urcs:
                if line not in step.response:
                    problems.append(f"step {index}: urc {line!r} is not one of the response lines")
        if (step.guide_line is None) != (step.correction is None):
            problems.append(f"step {index}: guide_line and correction go together")
        if step.board is not None and step.board not in ex.boards:
            problems.append(f"step {index}: board {step.board!r} is not one of {ex.boards}")
        if step.correction is not None:
            fix = example_corrections().get(step.correction)
            if fix is None:
                problems.append(
                    f"step {index}: correction {step.correction!r} is not in {CORRECTIONS_FILE.name}"
                )
            elif fix.section != ex.section:
                problems.append(f"step {index}: correction {step.correction!r} is for section {fix.section}")
        if step.origin == "added" and not step.note:
            problems.append(f"step {index}: an added step needs a note saying why")
        for line in _matched_lines(step):
            for name in format_fields_of(PLACEHOLDER.sub("", line)):
                if name not in FORMAT_FIELDS:
                    problems.append(
                        f"step {index}: <{name}> in {line!r} is not a typed field of spec.example_fields"
                    )
    return problems


def _matched_lines(step: Step) -> list[str]:
    """The lines of a step a runner matches against the board's output (where ``<fields>`` are typed)."""
    if isinstance(step, CommandStep):
        return step.response + step.includes
    if isinstance(step, SendDataStep):
        return step.response
    if isinstance(step, ExpectUrcStep):
        return step.lines
    return []


@cache
def _all() -> tuple[Example, ...]:
    paths = sorted(EXAMPLES_DIR.glob("4.*.yaml"), key=lambda p: _section_key(p.stem))
    return tuple(load_example_file(p) for p in paths)


def load_examples() -> list[Example]:
    """Every example of chapter 4, in section order."""
    return list(_all())


def example(section: str) -> Example:
    """The example of one section, e.g. ``example("4.2.1")``."""
    for ex in _all():
        if ex.section == section:
            return ex
    known = ", ".join(e.section for e in _all())
    raise UnknownExampleError(f"no example for section {section!r} (have: {known})")
