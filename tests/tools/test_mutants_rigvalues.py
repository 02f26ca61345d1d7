"""``{{rig:...}}`` placeholders in catalog rules (tools/mutants/rigvalues.py): filled from the rig a fault
runs on, escaped for the field they land in, and an error naming the path when the rig has no such value;
and the catalog itself names rig values only through them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rigs.loader import load_rig
from sim.faults import parse_faults
from tools.mutants.catalog import load_catalog
from tools.mutants.rigvalues import RigValueError, placeholders, render, rig_value
from tools.mutants.runs import rendered_faults

ROOT = Path(__file__).resolve().parents[2]
RIG = {
    "boards": [{"id": "dut", "module": "WROOM-32"}],
    "network": {"access_points": [{"ssid": "lab.ap (2G)", "bssid": "24:0a:c4:00:01:10", "rssi": -45}]},
}


def test_a_path_walks_keys_and_list_indexes() -> None:
    assert rig_value(RIG, "network.access_points.0.ssid") == "lab.ap (2G)"
    assert rig_value(RIG, "network.access_points.0.rssi") == "-45"
    assert rig_value(RIG, "boards.0.module") == "WROOM-32"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("network.access_points.3.ssid", "no '3' under network.access_points (it has: 1 items)"),
        ("network.aps.0", "no 'aps' under network (it has: access_points)"),
        ("wifi", "no 'wifi' under the rig's top level (it has: boards, network)"),
        ("network.access_points", "names list, not a value"),
    ],
)
def test_a_path_that_names_nothing_says_where_it_stopped(path: str, message: str) -> None:
    with pytest.raises(RigValueError) as exc:
        rig_value(RIG, path)
    assert str(exc.value) == f"{{{{rig:{path}}}}}: {message}"


def test_each_field_gets_the_value_escaped_for_what_it_is() -> None:
    faults = {
        "rules": [
            {
                "kind": "rewrite",
                "match": '^\\+CWJAP:"{{rig:network.access_points.0.ssid}}"',
                "from": "{{rig:network.access_points.0.ssid}}",
                "to": "x{{rig:network.access_points.0.ssid}}\\1",
            },
            {"kind": "replace", "match": "^OK$", "with": ["{{rig:boards.0.module}}", "OK"], "occurrence": 2},
        ]
    }
    out = render(faults, RIG)
    rewrite, replace = out["rules"]
    # a regex field matches the value literally: the dot and the parentheses do not act as regex syntax
    assert re.search(rewrite["match"], '+CWJAP:"lab.ap (2G)",') and not re.search(
        rewrite["match"], '+CWJAP:"labXap 2G"'
    )
    assert rewrite["from"] == re.escape("lab.ap (2G)")
    assert rewrite["to"] == "xlab.ap (2G)\\1"
    assert replace["with"] == ["WROOM-32", "OK"] and replace["occurrence"] == 2
    assert faults["rules"][0]["from"] == "{{rig:network.access_points.0.ssid}}"  # the input is not changed
    assert placeholders(faults) == ["network.access_points.0.ssid"] * 3 + ["boards.0.module"]


def test_a_backslash_in_a_value_stays_literal_in_a_rewrite_template() -> None:
    rig = {"v": "a\\1b"}
    out = render({"rules": [{"kind": "rewrite", "from": "Z", "to": "{{rig:v}}"}]}, rig)
    assert re.sub("Z", out["rules"][0]["to"], "Z") == "a\\1b"


def test_a_placeholder_in_a_field_that_is_not_text_to_match_or_print_is_refused() -> None:
    with pytest.raises(RigValueError, match="field 'kind' cannot hold a rig value"):
        render({"rules": [{"kind": "{{rig:boards.0.module}}"}]}, RIG)


def test_the_run_writes_the_filled_file_and_names_the_catalog_file_on_error(tmp_path: Path) -> None:
    rig = load_rig(ROOT / "rigs" / "sim.yaml")
    src = tmp_path / "f.yaml"
    src.write_text(
        'rules:\n  - {"kind": "drop", '
        '"match": "^\\\\+CWLAP:\\\\(\\\\d+,\\"{{rig:network.access_points.1.ssid}}\\""}\n'
    )
    out = rendered_faults(src, rig, tmp_path / "out.yaml")
    rule = yaml.safe_load(out.read_text())["rules"][0]
    ssid = rig.network.access_points[1].ssid
    assert re.search(rule["match"], f'+CWLAP:(4,"{ssid}",-60') and "{{" not in rule["match"]
    src.write_text('rules:\n  - {"kind": "drop", "match": "{{rig:network.access_points.9.ssid}}"}\n')
    with pytest.raises(RigValueError, match=re.escape(f"{src}: {{{{rig:network.access_points.9.ssid}}}}")):
        rendered_faults(src, rig, tmp_path / "out.yaml")


def _rig_literals(rig_path: Path) -> set[str]:
    rig = load_rig(rig_path)
    values = {ap.ssid for ap in rig.network.access_points} | {
        str(ap.bssid) for ap in rig.network.access_points
    }
    return {v for v in values if v}


def test_the_catalog_names_rig_values_only_through_placeholders_that_resolve() -> None:
    """On another rig (a bench's AP, its module) a literal would match nothing and the fault would survive
    for the wrong reason; each placeholder must resolve on the rig the fault runs on."""
    for mutant in load_catalog(root=ROOT):
        rig_path = ROOT / (mutant.meta.rig or "rigs/sim.yaml")
        text = mutant.path.read_text(encoding="utf-8")
        rules_text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
        for literal in _rig_literals(rig_path):
            assert f'"{literal}' not in rules_text and f'\\"{literal}' not in rules_text, (
                f"{mutant.id}: names the rig's {literal!r}; use a {{{{rig:...}}}} placeholder"
            )
        data = yaml.safe_load(text)
        rig = load_rig(rig_path)
        filled = render(data, rig.model_dump(mode="json", by_alias=True))
        parse_faults(filled, str(mutant.path))  # the simulator accepts what the run hands it
        assert not placeholders(filled)
