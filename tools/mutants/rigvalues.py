"""Rig values in catalog rules: ``{{rig:<path>}}`` placeholders, filled from the rig a fault runs on.

A fault that names a value the rig decides (the access point's SSID, the board's module) must take it from
that rig: a literal ``esp-at-lab`` matches nothing on a bench whose AP is called otherwise, so the fault
would survive there for the wrong reason, and a literal that differs from what the board really prints
(an address per xdist worker, an RSSI with jitter) makes a kill that comes from the changed value rather
than from the defect. Values the rig does not know (addresses the board is given, measured RSSI) are not
named at all: such rules keep them with a ``rewrite`` and its groups.

``<path>`` walks the rig file's data as the rig model dumps it: mapping keys and list indexes separated by
dots, e.g. ``{{rig:network.access_points.0.ssid}}`` or ``{{rig:boards.0.module}}``.

A value is escaped for the field it lands in: regular-expression fields (``match``, ``from``, ``line``,
``until``, ``after_line``, ``until_line``) get ``re.escape``; ``to`` (an ``re.sub`` template) gets its
backslashes doubled; ``with`` and ``command`` take it as it is.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{rig:([A-Za-z0-9_.-]+)\}\}")
REGEX_FIELDS = frozenset({"match", "from", "line", "until", "after_line", "until_line"})
LITERAL_FIELDS = frozenset({"with", "command"})
TEMPLATE_FIELDS = frozenset({"to"})


class RigValueError(ValueError):
    """A placeholder whose path names nothing in the rig (the message names the path and how far it got)."""


def rig_value(data: Any, path: str) -> str:
    """The scalar at dotted ``path`` in the rig's data, as text."""
    node = data
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            where = ".".join(walked) or "the rig's top level"
            if isinstance(node, dict):
                have = ", ".join(map(str, node))
            elif isinstance(node, list):
                have = f"{len(node)} items"
            else:
                have = type(node).__name__
            raise RigValueError(f"{{{{rig:{path}}}}}: no {part!r} under {where} (it has: {have})")
        walked.append(part)
    if node is None or isinstance(node, (dict, list)):
        raise RigValueError(f"{{{{rig:{path}}}}}: names {type(node).__name__}, not a value")
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def _fill(text: str, field: str, data: Any) -> str:
    def one(m: re.Match[str]) -> str:
        value = rig_value(data, m.group(1))
        if field in REGEX_FIELDS:
            return re.escape(value)
        if field in TEMPLATE_FIELDS:
            return value.replace("\\", "\\\\")
        return value

    allowed = REGEX_FIELDS | LITERAL_FIELDS | TEMPLATE_FIELDS
    if field not in allowed and PLACEHOLDER.search(text):
        raise RigValueError(f"field {field!r} cannot hold a rig value (only {', '.join(sorted(allowed))})")
    return PLACEHOLDER.sub(one, text)


def placeholders(faults: Any) -> list[str]:
    """Every placeholder path a faults file's data uses, in order."""
    found: list[str] = []
    for rule in (faults or {}).get("rules", []) if isinstance(faults, dict) else []:
        for value in (rule or {}).values():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    found += PLACEHOLDER.findall(text)
    return found


def render(faults: Any, rig_data: Any) -> Any:
    """A copy of a faults file's data with every placeholder filled from ``rig_data``; other data as it is."""
    if not isinstance(faults, dict) or not isinstance(faults.get("rules"), list):
        return faults
    rules = []
    for rule in faults["rules"]:
        if not isinstance(rule, dict):
            rules.append(rule)
            continue
        out: dict[str, Any] = {}
        for field, value in rule.items():
            if isinstance(value, str):
                out[field] = _fill(value, field, rig_data)
            elif isinstance(value, list):
                out[field] = [_fill(v, field, rig_data) if isinstance(v, str) else v for v in value]
            else:
                out[field] = value
        rules.append(out)
    return {**faults, "rules": rules}
