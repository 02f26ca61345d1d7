"""Shared helpers for the plugin's pytester tests: rig files and inner pytest runs."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FAKE_SIM = Path(__file__).resolve().parents[1] / "fakes" / "fake_sim.py"


def serial_rig(
    pytester: pytest.Pytester, *boards: tuple[str, str, list[str]], name: str = "bench.yaml"
) -> Path:
    """A rig of serial boards: (id, port URL, capabilities) each."""
    lines = ["boards:"]
    for board_id, url, caps in boards:
        lines.append(f"  - {{id: {board_id}, kind: serial, port: '{url}', capabilities: {json.dumps(caps)}}}")
    path = pytester.path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def fake_sim_rig(pytester: pytest.Pytester, name: str = "simfake.yaml") -> Path:
    command = json.dumps([sys.executable, str(FAKE_SIM)])
    path = pytester.path / name
    path.write_text(
        "boards:\n"
        f"  - {{id: sim, kind: sim, capabilities: [wifi-sta], sim: {{command: {command}}}}}\n"
        "network:\n"
        "  access_points: [{ssid: esp-at-lab, password: lab-pass-1}]\n"
    )
    return path


#: The checkout: an inner run given one of its test files takes it as rootdir.
CHECKOUT = Path(__file__).resolve().parents[2]


def run(pytester: pytest.Pytester, rig: Path, *args: str) -> pytest.RunResult:
    """An inner pytest run with our plugin, in a subprocess (xdist workers need one anyway). Given a test
    file of the checkout, its rootdir is the checkout, so its summary is sent into the test's own folder:
    the default (reports/out under the rootdir) would overwrite the report of the user's last run."""
    extra = []
    in_checkout = any(Path(a.split("::")[0]).resolve().is_relative_to(CHECKOUT) for a in args if "/" in a)
    if in_checkout and not any(a.startswith("--summary") for a in args):
        extra.append(f"--summary={pytester.path / 'reports' / 'out' / 'summary.json'}")
    return pytester.runpytest_subprocess(
        "-p", "fixtures.plugin", "-p", "no:cacheprovider", "--rig", str(rig),
        "--transcripts", str(pytester.path / "transcripts"), *extra, *args, timeout=240,
    )  # fmt: skip


def junit(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def suite_properties(root: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in root.iter("property") if _in_suite(root, p)}


def _in_suite(root: ET.Element, prop: ET.Element) -> bool:
    for suite in root.iter("testsuite"):
        props = suite.find("properties")
        if props is not None and prop in list(props):
            return True
    return False
