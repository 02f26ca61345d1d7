"""One step of ``python -m tools.bisect``: put a build on the rig's board, run the selection once in a
subprocess, and read its verdict back from summary.json (tools/bisect/README.md, "One step").

A build of the manifest names what the board runs:

- ``profile: v3.2.0.0-esp32``: a simulator persona (sim/profiles/); the rig's first sim board runs it;
- ``rig: rigs/sim-v3.2.0.0.yaml``: a rig file of its own (a bench per build, or a persona rig);
- ``image: builds/v4.1.1.0/flasher_args.json``: firmware to flash (what ``tools.flash`` takes: a
  flasher_args.json, a download.config or a factory_XXX.bin; relative to the manifest). The step's rig copy
  gives the first board ``flash: {image, before_session: true}``, so the session's fixture writes it with
  esptool (tools/flash.py) before the board is opened. A sim board gets ``sim.flash_port: true`` (its ROM
  loader on a socket:// port of its own, written with ``before: no-reset``, sim/transport.py FlashPort;
  its AT port keeps the rig's transport) and boots the persona the image's app descriptor names
  (sim/firmware.py; ``python -m tools.testimages`` builds one image per persona); the copy expects that
  persona's AT version. A test image is refused for a real board when the manifest is read
  (tools/flashplan.check_plan).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reports.run import RunLoadError, load_summary
from tools.bisect.search import Verdict

ROOT = Path(__file__).resolve().parents[2]


class ManifestError(ValueError):
    """The manifest is not a list of builds the tool can run; the message names the entry and field."""


@dataclass(frozen=True)
class Build:
    id: str
    profile: str | None = None
    rig: Path | None = None
    image: Path | None = None


def load_manifest(path: Path) -> list[Build]:
    """The builds of a manifest file, oldest first: a YAML list of ``{id, profile | rig | image}``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc}") from exc
    if not isinstance(data, list) or len(data) < 2:
        raise ManifestError(f"{path}: expected a list of at least two builds, oldest first")
    builds: list[Build] = []
    for n, entry in enumerate(data):
        where = f"{path}: build {n + 1}"
        if not isinstance(entry, dict) or "id" not in entry:
            raise ManifestError(f"{where}: expected a mapping with an id")
        unknown = set(entry) - {"id", "profile", "rig", "image"}
        if unknown or sum(k in entry for k in ("profile", "rig", "image")) != 1:
            raise ManifestError(
                f"{where} ({entry['id']}): give exactly one of profile:, rig: or image: (got {sorted(entry)})"
            )
        rig = (path.parent / entry["rig"]).resolve() if "rig" in entry else None
        if rig is not None and not rig.is_file():
            raise ManifestError(f"{where} ({entry['id']}): no rig file {rig}")
        image = (path.parent / entry["image"]).resolve() if "image" in entry else None
        if image is not None and not image.is_file():
            raise ManifestError(f"{where} ({entry['id']}): no image {image}")
        builds.append(Build(str(entry["id"]), entry.get("profile"), rig, image))
    ids = [b.id for b in builds]
    if len(set(ids)) != len(ids):
        raise ManifestError(f"{path}: build ids repeat: {ids}")
    return builds


def rig_text(build: Build, base_rig: Path, release: str | None) -> tuple[Path, str]:
    """(the rig file the step's copy stands beside, its text): the build's own rig or the base rig, with the
    first board running the build's persona and, when ``release`` is given, judged by that release's guide
    (``firmware.release``); otherwise each build is judged by the release its AT+GMR names."""
    source = build.rig or base_rig
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    board = data["boards"][0]
    if build.profile is not None:
        if board.get("kind") != "sim":
            raise ManifestError(f"build {build.id}: profile: needs a sim board, {source} board 1 is {board.get('kind')}")
        from sim.profile import load_profile

        board.setdefault("sim", {})["profile"] = build.profile
        firmware = board.setdefault("firmware", {})
        firmware["at_version"] = load_profile(build.profile).at_version
    if build.image is not None:
        _flash_image(build, board, source)
    if release is not None:
        board.setdefault("firmware", {})["release"] = release
    return source, yaml.safe_dump(data, sort_keys=False)


def _flash_image(build: Build, board: dict[str, Any], source: Path) -> None:
    """Make the rig copy's first board write ``build.image`` before its session (see the module docstring)."""
    from tools.flashplan import FlashRefused, check_plan, load_plan

    assert build.image is not None
    flash = board.setdefault("flash", {})
    flash.update(image=str(build.image), before_session=True)
    try:
        plan = load_plan(build.image)
        if board.get("kind") != "sim":
            check_plan(plan, chip=flash.get("chip", "esp32"), test_images=bool(flash.get("test_images")),
                       board_id=str(board.get("id")))  # fmt: skip
    except FlashRefused as exc:
        raise ManifestError(f"build {build.id}: {exc}") from None
    if board.get("kind") != "sim":
        return
    # the sim's own flash port: ~1 s a write, where its rfc2217 port's auto-reset path takes ~25 s
    board.setdefault("sim", {})["flash_port"] = True
    from sim.firmware import BootFailure, persona_name
    from sim.profile import load_profile
    from sim.rom.image import CHIP_IDS, ImageError, parse_app

    app = next((p for p in plan.parts if p.role == "app"), None)
    try:
        if app is None:
            raise ImageError(f"{build.image} names no app (esp-at.bin) for the simulated board to boot")
        image = parse_app(app.data)
        persona = persona_name(image.desc, CHIP_IDS.get(image.chip_id, f"chip id {image.chip_id}"))
    except (ImageError, BootFailure) as exc:
        raise ManifestError(f"build {build.id}: {source} board 1 (sim) cannot boot it: {exc}") from None
    board.setdefault("firmware", {})["at_version"] = load_profile(persona).at_version


@dataclass(frozen=True)
class StepRun:
    build: Build
    attempt: int
    verdict: Verdict
    folder: Path
    counts: dict[str, int]
    first_failure: str | None  # the test id of the first failed test
    transcripts: dict[str, str]  # test id -> its transcript file
    releases: list[str]
    gmr: list[str]
    reason: str = ""
    #: test id -> the form keys it declares (``form(...)`` markers) and checks (schema-3 check records,
    #: URC checks left out), in that order without repeats: what ``spec diff`` lines are filtered by
    forms: dict[str, list[str]] = field(default_factory=dict)


def run_step(
    build: Build, attempt: int, selection: list[str], base_rig: Path, out: Path, release: str | None
) -> StepRun:
    """Run the selection once on ``build``; its summary and transcripts go to ``out/<id>/run-<attempt>``."""
    folder = out / build.id / f"run-{attempt}"
    folder.mkdir(parents=True, exist_ok=True)
    source, text = rig_text(build, base_rig, release)
    (folder / "rig.yaml").write_text(text, encoding="utf-8")
    # The copy stands beside its source while it runs: a rig's relative paths are anchored at its folder.
    live = source.parent / f".bisect-{os.getpid()}-{build.id}-{attempt}.yaml"
    live.write_text(text, encoding="utf-8")
    summary = folder / "summary.json"
    cmd = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *selection,
        "--rig", str(live), "--summary", str(summary), "--transcripts", str(folder / "transcripts"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    finally:
        live.unlink(missing_ok=True)
    (folder / "pytest.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return read_step(build, attempt, folder, proc.returncode)


def read_step(build: Build, attempt: int, folder: Path, returncode: int) -> StepRun:
    """A step's verdict from its summary.json alone (``tests[].outcome``)."""
    path = folder / "summary.json"
    if not path.is_file():
        return StepRun(build, attempt, Verdict.error, folder, {}, None, {}, [], [],
                       f"no summary.json (pytest exit {returncode}; see {folder / 'pytest.log'})")  # fmt: skip
    try:
        summary = load_summary(path)
    except RunLoadError as exc:
        return StepRun(build, attempt, Verdict.error, folder, {}, None, {}, [], [], str(exc))
    counts: dict[str, int] = {}
    for t in summary.tests:
        counts[t.outcome] = counts.get(t.outcome, 0) + 1
    failed = [t.id for t in summary.tests if t.outcome in ("failed", "error")]
    gmr = [line for fw in summary.firmware for line in fw.gmr]
    if not summary.tests:
        verdict, reason = Verdict.error, f"no test ran (pytest exit {returncode})"
    elif counts.get("error"):
        verdict, reason = Verdict.error, "a test errored in setup (the board did not come up?)"
    elif failed:
        verdict, reason = Verdict.bad, ""
    elif counts.get("passed") or counts.get("xfailed"):
        verdict, reason = Verdict.good, ""
    else:
        verdict, reason = Verdict.skipped, "every selected test was skipped"
    transcripts = {t.id: t.transcript for t in summary.tests if t.transcript}
    forms = {
        t.id: list(dict.fromkeys([*t.forms, *(c.form for c in t.checks if c.category != "urc")]))
        for t in summary.tests
    }
    return StepRun(build, attempt, verdict, folder, counts, failed[0] if failed else None, transcripts,
                   list(summary.releases), gmr, reason, forms)  # fmt: skip
