"""``python -m tools.testimages OUTDIR [--profile NAME ...]``: the suite's test firmware, one build per
simulator persona (sim/profiles/*.yaml), for flashing simulated boards (issue 19).

Each build is a folder ``OUTDIR/<profile>/`` as an ESP-AT build lays out what it flashes: ``esp-at.bin``,
the app (tools/flashplan.make_test_app: its app descriptor names the persona), and ``flasher_args.json``
with the app at the guide's offset (Get_Started/Downloading_guide.rst: ``0x100000 esp-at.bin`` on ESP32).
``python -m tools.flash`` and ``flash.image`` take the json; a simulated board boots the persona after the
write. The images are not bootable on a real chip and tools/flash.py refuses them for a real board.

Exit status: 0 written; 2 an unknown profile.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.profile import PROFILES_DIR
from tools.flashplan import FACTORY_LAYOUT, make_test_app

CHIP = "esp32"


def build(outdir: Path, profile: str) -> Path:
    """Write the test build of ``profile`` under ``outdir``; returns its flasher_args.json."""
    folder = outdir / profile
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "esp-at.bin").write_bytes(make_test_app(profile))
    manifest = folder / "flasher_args.json"
    app = FACTORY_LAYOUT[CHIP]["app"]
    manifest.write_text(
        json.dumps(
            {"flash_files": {f"{app:#x}": "esp-at.bin"}, "extra_esptool_args": {"chip": CHIP}}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.testimages",
        description="Write one test build (esp-at.bin + flasher_args.json) per simulator persona.",
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--profile", action="append", help="only this persona (repeatable); default: all")
    args = parser.parse_args(argv)
    known = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
    chosen = args.profile or known
    unknown = [p for p in chosen if p not in known]
    if unknown:
        print(f"testimages: no persona {', '.join(unknown)} (known: {', '.join(known)})", file=sys.stderr)
        return 2
    for profile in chosen:
        print(f"testimages: {build(args.outdir, profile)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
