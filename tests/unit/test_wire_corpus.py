"""The wire grammar against real boards: every transcript in tests/corpus/wire/ (format in its README.md),
replayed through the codec, must give exactly the findings its header expects (none, for most).

What a real board printed passes, unless a documented firmware difference explains it (the rule's
``differences``, keyed by the header's ``version``) or the header's ``expect:`` lines name the finding and
why (a development build's debug prints, a bug its maintainers acknowledged).
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rigs.at.codec import AtCodec
from rigs.at.wire import RULES, WireGrammar

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "wire"
HEADER_KEYS = ("source", "firmware", "version", "chip", "done", "crlf")


@dataclass
class Transcript:
    path: Path
    header: dict[str, str] = field(default_factory=dict)
    expect: list[str] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)


def load(path: Path) -> Transcript:
    t = Transcript(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# ") and ":" in line and not t.steps:
            key, _, value = line[2:].partition(":")
            if key == "expect":
                t.expect.append(value.strip().split(":", 1)[0])
            else:
                t.header[key] = value.strip()
        elif line.startswith("#"):
            continue  # a note inside the body
        else:
            verb, _, rest = line.partition(" ")
            t.steps.append((verb, rest))
    return t


def replay(t: Transcript) -> list[str]:
    """Run the transcript's steps through the codec and the grammar; the rule ids found, in order."""
    codec = AtCodec()
    # the issue shows the stream from some point on: the CR LF before its first line is not shown
    grammar = WireGrammar(version=t.header.get("version") or None, mid_stream=True)
    found = []

    def rx(data: bytes) -> None:
        for ev in codec.feed(data):
            found.extend(grammar.feed(ev))

    for verb, rest in t.steps:
        if verb == "tx":
            codec.command_sent(rest)
        elif verb == "data":
            codec.data_sent()
        elif verb == "leave":
            codec.leave_passthrough()
        elif verb == "rx":
            rx(rest.encode("utf-8") + b"\r\n")
        elif verb == "raw":
            value = ast.literal_eval(rest)
            assert isinstance(value, bytes), f"{t.path.name}: raw takes a bytes literal"
            rx(value)
        else:
            raise AssertionError(f"{t.path.name}: unknown step {verb!r}")
    found.extend(grammar.flush())
    return [v.rule.id for v in found]


TRANSCRIPTS = sorted(CORPUS.glob("*.txt"))


def test_the_corpus_holds_at_least_30_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 30
    sources = {load(p).header["source"].split()[0] for p in TRANSCRIPTS}
    assert len(sources) >= 25  # distinct public threads, not one thread cut into pieces


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_real_board_transcript(path: Path) -> None:
    t = load(path)
    missing = [k for k in HEADER_KEYS if k not in t.header]
    assert not missing, f"{path.name}: header lacks {missing}"
    assert t.header["source"].startswith("https://"), path.name
    assert all(rule in RULES for rule in t.expect), f"{path.name}: unknown rule in expect: {t.expect}"
    assert Counter(replay(t)) == Counter(t.expect)


def test_a_transcript_with_a_framing_fault_is_caught() -> None:
    # The replay itself must be able to fail: the 3.2 AT+CWJAP transcript with OK glued to its report.
    t = load(CORPUS / "esp-at-479-esp8266-v2.1-cwjap.txt")
    i = t.steps.index(("rx", "WIFI GOT IP"))
    assert t.steps[i + 1] == ("rx", "")
    del t.steps[i + 1]
    assert replay(t) == ["final.leading-crlf"]
