"""What a simulated board's process imports (issue 23: a board under 25 MB resident): never pydantic (its
machinery alone cost ~12 MB), never the host side (rigs/), and no Bluetooth stack, crypto library, tempfile
or pyserial before something needs one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: everything `python -m sim` imports up to serving commands: its entry module, every command group, the
#: air and faults file loaders (imported only when --air / --faults is given)
_PROBE = """
import json, sys
import sim.__main__, sim.commands, sim.wifi.air, sim.faults
sim.commands.load_all()
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN = (
    *("pydantic", "pydantic_core", "importlib.metadata", "email"),  # ~12 MB
    "rigs",  # the host side
    *("bumble", "cryptography"),  # imported by the first BLE / BT / TLS command that needs them
    "tempfile",  # shutil, bz2, lzma: ~0.6 MB; only python -m sim without --state-dir takes one
    "serial",  # pyserial's RFC 2217 side, ~0.4 MB; only a board on rfc2217:// imports it, at connect
)


def test_a_board_process_imports_no_pydantic_and_no_host_side() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    modules = json.loads(out.stdout)
    assert "sim.board" in modules  # the probe did import the board
    bad = [m for m in modules if m in FORBIDDEN or m.startswith(tuple(f"{f}." for f in FORBIDDEN))]
    assert bad == []
