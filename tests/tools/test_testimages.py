"""tools/testimages.py: one test build per simulator persona, laid out as an ESP-AT build."""

from __future__ import annotations

import json
from pathlib import Path

from sim.profile import PROFILES_DIR
from sim.rom.image import parse_app
from tools.flashplan import load_plan
from tools.testimages import main


def test_every_persona_gets_a_build_with_its_app_at_the_guides_offset(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path)]) == 0
    personas = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
    assert sorted(p.name for p in tmp_path.iterdir()) == personas
    manifest = tmp_path / "v3.4.0.0-esp32" / "flasher_args.json"
    assert json.loads(manifest.read_text())["flash_files"] == {"0x100000": "esp-at.bin"}
    (part,) = load_plan(manifest).parts
    assert (part.offset, part.role, part.is_test_image) == (0x100000, "app", True)
    assert parse_app(part.data).desc.version == "v3.4.0.0"


def test_an_unknown_persona_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path), "--profile", "v9.9.9.9-esp32"]) == 2
    assert "no persona v9.9.9.9-esp32" in capsys.readouterr().err
