"""The report of ``python -m tools.bisect``: text and JSON (tools/bisect/README.md, "Output"), and the
transcript diff of the first failing test between the two builds either side of the change."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from tools.bisect.search import Bisection, Outcome, Verdict
from tools.bisect.steps import Build, StepRun

#: a transcript line's leading timestamp (fixtures/transcripts.py writes "   14.168979 sim tx   ...")
_STAMP = re.compile(r"^\s*\d+\.\d+\s+")


#: "sim rx   payload": who and which direction, then the bytes as the transcript escapes them
_ENTRY = re.compile(r"^(\S+ \S+)\s+(.*)$")


def transcript_lines(path: Path) -> list[str]:
    """A transcript without its timestamps, and with the bytes of consecutive reads of one direction joined
    and split after each CR LF, so that two runs compare by what was said, not by how the reads fell."""
    out: list[str] = []
    run: tuple[str, list[str]] | None = None

    def flush() -> None:
        if run is not None:
            who, parts = run
            text = "".join(parts)
            pieces = [p + "\\r\\n" for p in text.split("\\r\\n")]
            pieces[-1] = pieces[-1][: -len("\\r\\n")]
            out.extend(f"{who}   {p}" for p in pieces if p)

    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _ENTRY.match(_STAMP.sub("", raw))
        if m is None:
            flush()
            run = None
            out.append(raw.strip())
            continue
        who, payload = m.groups()
        if run is not None and run[0] == who:
            run[1].append(payload)
        else:
            flush()
            run = (who, [payload])
    flush()
    return out


def transcript_diff(before: Path | None, after: Path | None, labels: tuple[str, str]) -> list[str]:
    """Unified diff of two transcripts of the same test (empty when one is missing)."""
    if before is None or after is None or not before.is_file() or not after.is_file():
        return []
    return list(
        difflib.unified_diff(
            transcript_lines(before), transcript_lines(after), labels[0], labels[1], lineterm="", n=2
        )
    )


def _transcript(run: StepRun | None, test: str) -> Path | None:
    if run is None or test not in run.transcripts:
        return None
    p = Path(run.transcripts[test])
    return p if p.is_absolute() else run.folder / p


def summarise(builds: list[Build], search: Bisection, runs: list[StepRun]) -> dict[str, Any]:
    """The report as data (what ``--json`` prints and bisect.json holds)."""
    outcome: Outcome = search.outcome or Outcome("stopped", reason="the search did not finish")
    last = {r.build.id: r for r in runs}  # the last run of each build
    out: dict[str, Any] = {
        "outcome": outcome.kind,
        "reason": outcome.reason,
        "reference": outcome.reference.value if outcome.reference else None,
        "steps": [
            {
                "build": r.build.id,
                "attempt": r.attempt,
                "verdict": r.verdict.value,
                "counts": r.counts,
                "judged_against": r.releases,
                "gmr": r.gmr,
                "folder": str(r.folder),
                "reason": r.reason,
            }
            for r in runs
        ],
        "max_steps": search.max_steps,
        "builds_run": len({r.build.id for r in runs}),
    }
    if outcome.kind == "stopped" and outcome.stopped_at is not None:
        out["stopped_at"] = builds[outcome.stopped_at].id
    if outcome.kind != "found" or outcome.first_changed is None or outcome.last_same is None:
        return out
    changed, same = builds[outcome.first_changed], builds[outcome.last_same]
    after = Verdict.bad if outcome.reference is Verdict.good else Verdict.good
    out[f"first_{after.value}"] = changed.id
    out[f"last_{outcome.reference.value if outcome.reference else '?'}"] = same.id
    bad_run, good_run = (last.get(changed.id), last.get(same.id))
    if after is Verdict.good:
        bad_run, good_run = good_run, bad_run
    test = bad_run.first_failure if bad_run else None
    out["first_failing_test"] = test
    if test:
        old, new = (good_run, bad_run) if after is Verdict.bad else (bad_run, good_run)
        out["transcript_diff"] = transcript_diff(
            _transcript(old, test), _transcript(new, test), (f"{same.id}: {test}", f"{changed.id}: {test}")
        )
    return out


def render_text(report: dict[str, Any]) -> str:
    lines = []
    for s in report["steps"]:
        judged = ", ".join(s["judged_against"]) or "?"
        counts = " ".join(f"{k} {v}" for k, v in sorted(s["counts"].items()))
        note = f" ({s['reason']})" if s["reason"] else ""
        lines.append(f"step {s['build']} run {s['attempt']}: {s['verdict']} [{counts}] judged against {judged}{note}")
    kind = report["outcome"]
    if kind == "found":
        firsts = [k for k in report if k.startswith("first_") and k != "first_failing_test"]
        lasts = [k for k in report if k.startswith("last_")]
        lines.append(
            f"{firsts[0].replace('_', ' ')}: {report[firsts[0]]}; {lasts[0].replace('_', ' ')}: {report[lasts[0]]}"
            f" ({report['builds_run']} builds run, at most {report['max_steps']})"
        )
        if report.get("first_failing_test"):
            lines.append(f"first failing test: {report['first_failing_test']}")
            lines.extend(report.get("transcript_diff") or ["(no transcript of it on both sides to compare)"])
    elif kind == "unchanged":
        lines.append(f"nothing to find: the first and the last build are both {report['reference']}")
    else:
        lines.append(f"stopped at {report.get('stopped_at', '?')}: {report['reason']}")
    return "\n".join(lines)
