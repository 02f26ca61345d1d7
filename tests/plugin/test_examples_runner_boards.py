"""Self-tests of the example runner's two-board replays, the peer values it learns, and the examples it
reports as not replayable (fixtures/example_runner.py, fixtures/example_peers_pubsub.py), against scripted
fake boards.
The replays on the simulator are suites/mqtt/test_examples.py and suites/websocket/test_examples.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from fixtures.example_peers import ExamplePeers
from fixtures.examples import ExampleRunner, ExampleStepError, ExampleUnsupported
from rigs.at.session import AtSession
from rigs.loader import load_rig
from spec.examples import Example
from tests.fakes.scripted_board import ScriptedBoard, ScriptedBoardServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TableBoard(ScriptedBoard):
    """Answers from a table (AT+RESTORE: OK then ready); keeps every line it was sent."""

    table: dict[str, bytes] = field(default_factory=dict)

    def respond(self, line: str) -> bytes:
        if line == "AT+RESTORE" or line in self.table:
            self.commands.append(line)
            return self.table.get(line, b"\r\nOK\r\n\r\nready\r\n")
        return super().respond(line)


def _example(
    steps: list[dict], boards: list[str] | None = None, requires: list[str] | None = None
) -> Example:
    return Example.model_validate(
        {
            "section": "4.99.2",
            "title": "runner self-test",
            "source": {"file": "x.rst", "heading": "x"},
            "command_set": "mqtt",
            "requires": requires if requires is not None else (["second-board"] if boards else []),
            "fidelity": "complete",
            "boards": boards or ["dut"],
            "placeholders": {"mqtt.host": "192.168.3.102", "mqtt.port": "8883"},
            "steps": steps,
        }
    )


BROKER = SimpleNamespace(endpoints={"tcp": SimpleNamespace(address=("127.0.0.9", 18830))})


@contextmanager
def _sessions(*boards: TableBoard) -> Iterator[list[AtSession]]:
    with ExitStack() as stack:
        sessions = []
        for board in boards:
            server = stack.enter_context(ScriptedBoardServer(board))
            session = AtSession.open(server.url)
            stack.callback(session.close)
            sessions.append(session)
        yield sessions


def _runner(first: AtSession) -> ExampleRunner:
    peers = ExamplePeers(lambda p: p, lambda name: BROKER, None, "127.0.0.1")  # type: ignore[arg-type]
    return ExampleRunner(first, load_rig(ROOT / "rigs" / "sim.yaml"), peers, "ap", "password")


TWO_BOARD_STEPS = [
    {"kind": "command", "board": "publisher", "line": "AT+CWMODE=1", "response": ["OK"]},
    {"kind": "command", "board": "subscriber", "line": "AT+CWMODE=2", "response": ["OK"]},
    {"kind": "command", "line": "AT+CWMODE=3", "response": ["OK"]},
]


def _replay_on_two(publisher: TableBoard, subscriber: TableBoard) -> None:
    with _sessions(publisher, subscriber) as (pub, sub):
        runner = _runner(pub)
        runner.boards = {"publisher": pub, "subscriber": sub}
        runner.run(_example(TWO_BOARD_STEPS, ["publisher", "subscriber"]))


def _publisher() -> TableBoard:
    return TableBoard(table={"AT+CWMODE=1": b"\r\nOK\r\n", "AT+CWMODE=3": b"\r\nOK\r\n"})


def test_each_step_runs_on_the_board_it_names_and_an_unnamed_one_on_the_first() -> None:
    publisher, subscriber = _publisher(), TableBoard(table={"AT+CWMODE=2": b"\r\nOK\r\n"})
    _replay_on_two(publisher, subscriber)
    sent = (
        [c for c in publisher.commands if c.startswith("AT+CWMODE")],
        [c for c in subscriber.commands if c.startswith("AT+CWMODE")],
    )
    assert sent == (["AT+CWMODE=1", "AT+CWMODE=3"], ["AT+CWMODE=2"])
    # both boards were reset to factory settings first
    assert "AT+RESTORE" in publisher.commands and "AT+RESTORE" in subscriber.commands


def test_a_report_no_step_lists_on_the_second_board_fails_naming_it() -> None:
    subscriber = TableBoard(table={"AT+CWMODE=2": b"\r\nOK\r\n+MQTTDISCONNECTED:0\r\n"})
    with pytest.raises(ExampleStepError) as info:
        _replay_on_two(_publisher(), subscriber)
    assert "before step 3 on the subscriber: ['+MQTTDISCONNECTED:0']" in str(info.value)


def test_the_brokers_host_and_port_are_learned_from_its_start_step() -> None:
    """An argument of a start step that is one unknown placeholder is the peer's to choose (the rig's broker
    listener of the scheme); the later lines use what it chose."""
    line = 'AT+MQTTCONN=0,"127.0.0.9",18830,1'
    board = TableBoard(table={line: b'+MQTTCONNECTED:0,1,"127.0.0.9","18830","",1\r\n\r\nOK\r\n'})
    steps = [
        {
            "kind": "peer",
            "peer": "mqtt-broker",
            "action": "start",
            "args": {"host": "{mqtt.host}", "port": "{mqtt.port}", "scheme": "tcp"},
        },
        {
            "kind": "command",
            "line": 'AT+MQTTCONN=0,"{mqtt.host}",{mqtt.port},1',
            "response": ['+MQTTCONNECTED:0,1,"{mqtt.host}","{mqtt.port}","",1', "", "OK"],
            "urcs": ['+MQTTCONNECTED:0,1,"{mqtt.host}","{mqtt.port}","",1'],
        },
    ]
    with _sessions(board) as (dut,):
        runner = _runner(dut)
        runner.run(_example(steps, requires=["mqtt-broker"]))
    assert (runner.values["mqtt.host"], runner.values["mqtt.port"]) == ("127.0.0.9", "18830")
    assert line in board.commands


def test_a_broker_scheme_the_rig_does_not_play_is_an_error_naming_the_choices() -> None:
    peers = ExamplePeers(lambda p: p, lambda name: BROKER, None, "127.0.0.1")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match="scheme 'quic' is none of tcp, tls, tls-mutual, ws, wss, wss-mutual"
    ):
        peers.act("mqtt-broker", "start", None, {"scheme": "quic"}, "mqtt-broker")


def test_an_example_that_needs_a_cloud_account_is_not_replayable() -> None:
    board = TableBoard()
    steps = [{"kind": "manual", "action": "create the thing in the AWS IoT console"}]
    with _sessions(board) as (dut,):
        runner = _runner(dut)
        with pytest.raises(ExampleUnsupported, match="not replayable: needs a cloud account"):
            runner.run(_example(steps, requires=["cloud-aws-iot"]))
    assert "AT+RESTORE" not in board.commands  # refused before touching the board
