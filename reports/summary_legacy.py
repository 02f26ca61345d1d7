"""Reading a summary.json of schema 1 or 2 (forms judged by their declarations alone) as schema 3.

Pure logic over the parsed JSON. Schema 3 replaced each form's ``result`` (from the outcomes of the tests
declaring it) with a ``state`` from check records (reports/form_state.py), each test id of a form with
``{id, state}``, and ``forms_covered`` with the per-state counts. An older file's forms read honestly: a
declaration that passed was never known to be checked, so ``pass`` reads ``declared-unchecked``
(:data:`reports.form_state.LEGACY_RESULT`); so ``python -m reports compare`` of last night's older summary
with today's shows what the checks now prove, not a false loss.
"""

from __future__ import annotations

from typing import Any

from reports.form_state import COUNT_KEYS, LEGACY_RESULT, split_form_state

_OLD_SET_KEYS = ("forms_covered", "forms_failed")


def upgrade(data: object) -> object:
    """``data`` unchanged unless it is a schema-1/2 summary; then the same run in schema-3 shape. (A summary
    built in code, without a ``schema_version`` key, is the current schema.)"""
    if not isinstance(data, dict) or int(data.get("schema_version", 3)) >= 3:
        return data
    out = dict(data)
    out["schema_version"] = 3
    out["command_sets"] = [_upgrade_set(cs) for cs in data.get("command_sets", [])]
    totals = {"forms_in_guide": 0, **{key: 0 for key in COUNT_KEYS.values()}}
    for cs in out["command_sets"]:
        if isinstance(cs, dict):
            for key in totals:
                totals[key] += int(cs.get(key, 0))
    out["form_totals"] = totals
    return out


def _tests(ids: list[Any], state: str) -> list[dict[str, str]]:
    return [{"id": str(t), "state": state} for t in ids]


def _upgrade_set(cs: Any) -> Any:
    if not isinstance(cs, dict):
        return cs
    out = {k: v for k, v in cs.items() if k not in _OLD_SET_KEYS}
    forms = []
    for f in cs.get("forms", []):
        if not isinstance(f, dict) or "result" not in f:
            forms.append(f)
            continue
        variants = [
            {"variant": v.get("variant"), "state": LEGACY_RESULT.get(v.get("result"), "not covered"),
             "tests": _tests(v.get("tests", []), LEGACY_RESULT.get(v.get("result"), "not covered"))}
            for v in f.get("variants", [])
        ]  # fmt: skip
        whole = LEGACY_RESULT.get(f["result"], "not covered")
        variant_tests = {t["id"] for v in variants for t in v["tests"]}
        entry = {k: v for k, v in f.items() if k not in ("result", "tests", "variants")}
        entry["state"] = split_form_state(whole, [v["state"] for v in variants])  # type: ignore[arg-type]
        # schema 2 listed variant tests on the form too; schema 3 lists them on their variant only
        entry["tests"] = _tests([t for t in f.get("tests", []) if t not in variant_tests], whole)
        entry["variants"] = variants
        forms.append(entry)
    out["forms"] = forms
    for key in COUNT_KEYS.values():
        out[key] = 0
    out["forms_in_guide"] = len(forms)
    for f in forms:
        if isinstance(f, dict) and f.get("state") in COUNT_KEYS:
            out[COUNT_KEYS[f["state"]]] += 1
    return out
