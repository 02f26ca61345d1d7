"""The report of ``python -m tools.bisect``: text and JSON (tools/bisect/README.md, "Output"), the
transcript diff of the first failing test between the two builds either side of the change, and the lines
of ``python -m spec diff <older> <newer>`` (spec/release_diff.py) that touch that test's forms."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rigs.model.firmware import parse_gmr
from spec import Spec
from spec.release_diff import Change, ChangeKind, diff_specs
from spec.release_diff import render_text as render_spec_diff
from spec.releases import NoDocumentedRelease, choose_release, load_release
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


def documented_release(run: StepRun | None) -> str | None:
    """The release a build is by its own AT+GMR (3.1.3 "AT version:"), whatever guide it was judged by:
    None when the AT version is no documented release's own (a build between two releases, a newer one)."""
    at_version = parse_gmr(run.gmr).at_version if run is not None else None
    if at_version is None:
        return None
    try:
        choice = choose_release(None, at_version)
    except NoDocumentedRelease:
        return None
    return choice.release if choice.exact else None


#: changes of one form: their ``detail`` is the form's kind (spec/release_diff.py ``_forms``)
_FORM_CHANGES = {ChangeKind.form_added, ChangeKind.form_removed, ChangeKind.syntax_changed,
                 ChangeKind.response_changed}  # fmt: skip
#: changes of an error-code table, not of a command
_CODE_CHANGES = {ChangeKind.error_code_added, ChangeKind.error_code_removed, ChangeKind.error_code_renamed}


def _names(command: str, specs: Iterable[Spec]) -> set[str]:
    """The command's name and aliases in either release (AT+CIPRECVMODE is v3.4.0.0's AT+CIPRECVTYPE)."""
    out = {command}
    for s in specs:
        if command in s:
            c = s.command(command)
            out |= {c.name, *c.aliases}
    return out


def touching(changes: Iterable[Change], form_keys: Iterable[str], specs: Iterable[Spec] = ()) -> list[Change]:
    """The changes that touch one of ``form_keys`` (``AT+CWMODE/query``, ``AT+SAVETRANSLINK/set/<variant>``):
    a change of that form (added, removed, its syntax or response), or of its command as a whole (added,
    removed, its parameters, examples, default firmware): a parameter belongs to every form that names it."""
    specs = list(specs)
    wanted: dict[str, set[str]] = {}
    for key in form_keys:
        command, _, rest = key.partition("/")
        kinds = wanted.setdefault(command, set())
        kinds.add(rest.partition("/")[0])
    by_name: dict[str, set[str]] = {}
    for command, kinds in wanted.items():
        for name in _names(command, specs):
            by_name.setdefault(name, set()).update(kinds)
    return [
        c
        for c in changes
        if c.kind not in _CODE_CHANGES
        and c.subject in by_name
        and (c.kind not in _FORM_CHANGES or c.detail in by_name[c.subject])
    ]


def spec_diff(older: str, newer: str, form_keys: list[str]) -> dict[str, Any]:
    """``python -m spec diff older newer`` narrowed to the changes that touch ``form_keys``: the command, the
    forms, the changes (as to_json writes them) and the lines spec's own text rendering gives them."""
    a, b = load_release(older), load_release(newer)
    kept = touching(diff_specs(a, b), form_keys, (a, b))
    return {
        "command": f"python -m spec diff {older} {newer}",
        "forms": form_keys,
        "changes": [{"kind": c.kind.value, "section": c.section, "subject": c.subject, "detail": c.detail}
                    for c in kept],  # fmt: skip
        "lines": render_spec_diff(older, newer, kept).split("\n") if kept else [],
    }


def _spec_diff_section(same: StepRun | None, changed: StepRun | None, test: str) -> dict[str, Any]:
    """The report's ``spec_diff``: the guide's changes between the two builds' own releases that touch the
    failing test's forms, or a ``note`` why there are none to show."""
    older, newer = documented_release(same), documented_release(changed)
    if older is None or newer is None:
        which = " and ".join(
            r.build.id for r in (same, changed) if r is not None and documented_release(r) is None
        )
        return {"note": f"no spec diff: {which or 'a build'} is no documented release by its AT+GMR"}
    forms = list(dict.fromkeys(f for r in (same, changed) if r is not None for f in r.forms.get(test, [])))
    if not forms:
        return {"note": f"no spec diff: {test} declares and checks no form"}
    if older == newer:
        return {"note": f"no spec diff: both builds are {older}"}
    out = spec_diff(older, newer, forms)
    if not out["changes"]:
        out["note"] = (
            f"the {older} and {newer} guides document no change of {', '.join(forms)}: "
            "a change the guide does not document"
        )
    return out


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
        out["spec_diff"] = _spec_diff_section(last.get(same.id), last.get(changed.id), test)
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
            lines.extend(_spec_diff_text(report.get("spec_diff") or {}))
    elif kind == "unchanged":
        lines.append(f"nothing to find: the first and the last build are both {report['reference']}")
    else:
        lines.append(f"stopped at {report.get('stopped_at', '?')}: {report['reason']}")
    return "\n".join(lines)


def _spec_diff_text(section: dict[str, Any]) -> list[str]:
    if not section:
        return []
    out = []
    if "command" in section:
        out.append(f"{section['command']}, the changes that touch {', '.join(section['forms'])}:")
        out.extend(f"  {line}" for line in section["lines"])
    if "note" in section:
        out.append(section["note"])
    return out
