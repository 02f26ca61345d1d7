"""Acceptance of issue 19's bisection on the simulator: over the six persona IMAGES (one test app per persona
of tools/bisect/personas.yaml, written by tools.testimages; a manifest of ``image:`` builds, oldest first),
each flashed onto a board launched with the v4.1.1.0 persona and judged by the v5.0.0.0 guide, the
bisection of a selection that exercises a documented behaviour change lands on the release whose guide
first documents it, in the two ends plus at most ceil(log2(5)) = 3 midpoints.

Each change is a `python -m spec diff` line between two adjacent releases (the release named is the newer):
a command or a form the older guide has no section for, which that older persona answers as unsupported.
Each step's board is written on its flash port (sim/transport.py FlashPort, about 1 s a write).
Re-runs of bad steps are left out here (``--reruns 0``, tests/tools/test_bisect_search.py covers them): a
verdict table of five bad builds would triple the run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rigs.model import parse_gmr
from tools.bisect.__main__ import main
from tools.bisect.steps import load_manifest
from tools.testimages import build

ROOT = Path(__file__).resolve().parents[2]
PERSONAS = ROOT / "tools" / "bisect" / "personas.yaml"

# The builds a plain binary search runs over the six (indexes 0..5): both ends, then (lo + hi) // 2 until
# lo and hi are adjacent. From index 2 (v3.2.0.0) it goes down to 1 or up to 3, and from 3 up to 4.
_LOW = ["v2.2.0.0", "v5.0.0.0", "v3.2.0.0", "v2.4.0.0"]
_HIGH = ["v2.2.0.0", "v5.0.0.0", "v3.2.0.0", "v3.4.0.0"]

#: (selection, the release that introduced the behaviour, the `spec diff` line that documents it, the
#: builds the search runs, in order)
CHANGES = [
    ("suites/tcpip/test_tcpip_config.py::test_query_default[AT+CIPSTATE/query/default]", "v2.4.0.0",
     "spec diff v2.2.0.0_esp32 v2.4.0.0: + AT+CIPSTATE (3.3.2) command added", _LOW),
    ("suites/basic/test_queries.py::test_query_matches_template[AT+SYSMFG/query]", "v3.2.0.0",
     "spec diff v2.4.0.0 v3.2.0.0: + AT+SYSMFG (3.1.18) command added", _LOW),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWAUTOCONN/query]", "v3.4.0.0",
     "spec diff v3.2.0.0 v3.4.0.0: AT+CWAUTOCONN (3.2.14) form added [query]", _HIGH),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWCONFIG/query]", "v4.1.1.0",
     "spec diff v3.4.0.0 v4.1.1.0: + AT+CWCONFIG (3.2.4) command added", [*_HIGH, "v4.1.1.0"]),
    ("suites/wifi/test_queries.py::test_query_matches_template[AT+CWBANDWIDTH/query]", "v5.0.0.0",
     "spec diff v4.1.1.0 v5.0.0.0: + AT+CWBANDWIDTH (3.2.4) command added", [*_HIGH, "v4.1.1.0"]),
]  # fmt: skip


@pytest.fixture(scope="module")
def image_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The personas manifest with each ``profile:`` build replaced by its test image (``image:``)."""
    folder = tmp_path_factory.mktemp("persona-images")
    lines = []
    for b in load_manifest(PERSONAS):
        assert b.profile is not None, b
        flasher_args = build(folder / "images", b.profile)
        lines.append(f"- {{id: {b.id}, image: {flasher_args.relative_to(folder)}}}\n")
    (folder / "images.yaml").write_text("".join(lines), encoding="utf-8")
    return folder / "images.yaml"


def test_the_image_manifest_holds_the_six_personas_as_images_oldest_first(image_manifest: Path) -> None:
    builds = load_manifest(image_manifest)
    assert [b.id for b in builds] == [b.id for b in load_manifest(PERSONAS)]
    assert [b.id for b in builds] == sorted(b.id for b in builds)  # oldest first (one-digit parts)
    assert all(b.image is not None and b.profile is None for b in builds)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("selection", "introduced", "documented", "path"), CHANGES, ids=[c[1] for c in CHANGES]
)
def test_bisection_over_the_images_finds_the_release_that_introduced_it(
    image_manifest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    selection: str,
    introduced: str,
    documented: str,
    path: list[str],
) -> None:
    out = tmp_path / "bisect"
    status = main([
        "--manifest", str(image_manifest), "--rig", str(ROOT / "rigs" / "sim-v4.1.1.0.yaml"),
        "--release", "v5.0.0.0", "--reruns", "0", "--out", str(out), selection,
    ])  # fmt: skip
    report = json.loads((out / "bisect.json").read_text(encoding="utf-8"))
    assert status == 0, capsys.readouterr().out
    assert report["outcome"] == "found", report
    assert report["first_good"] == introduced, f"{documented}: {report}"
    # log2 steps: exactly the builds of the binary search, each once, within the bound for six builds
    assert [s["build"] for s in report["steps"]] == path, report["steps"]
    assert report["builds_run"] == len(path) <= report["max_steps"] == 5
    assert {s["judged_against"][0] for s in report["steps"]} == {"v5.0.0.0"}
    # every step ran the flashed image, not the v4.1.1.0 persona the board was launched with
    assert [parse_gmr(s["gmr"]).at_version for s in report["steps"]] == [b[1:] for b in path], report["steps"]
    # what the older build printed differently: the unsupported command's ERROR against the answer
    assert any(line.startswith("-") and "ERROR" in line for line in report["transcript_diff"]), report
    # and the guide's own word for it: `spec diff` of the two builds' releases, narrowed to the test's forms
    pair, line = documented.split(": ", 1)
    assert report["spec_diff"]["command"] == f"python -m {pair}", report["spec_diff"]
    assert line.split(" (")[0].lstrip("+ ") in "\n".join(report["spec_diff"]["lines"]), report["spec_diff"]
