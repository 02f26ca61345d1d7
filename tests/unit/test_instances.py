"""Host-wide simulated-board numbers (rigs/boards/instances.py): a number is held by one claim at a time,
across processes too, the worker's own number first, and a claim that ends (or whose process dies) frees
it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rigs.boards.instances import NoFreeInstance, claim_instance


def test_the_preferred_number_first_then_the_lowest_free(tmp_path: Path) -> None:
    a = claim_instance(1, tmp_path)
    b = claim_instance(1, tmp_path)  # a second board (another run) asking for the same worker number
    c = claim_instance(0, tmp_path)
    d = claim_instance(0, tmp_path)
    assert (a.number, b.number, c.number, d.number) == (1, 0, 2, 3)
    b.release()
    assert not b.held and claim_instance(7, tmp_path).number == 7
    assert claim_instance(1, tmp_path).number == 0  # 1 is still a's; 0 was given back


def test_a_number_held_by_another_process_is_not_handed_out_until_it_ends(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from rigs.boards.instances import claim_instance; "
            f"c = claim_instance(0, pathlib.Path({str(tmp_path)!r})); "
            "print(c.number, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "0"
        mine = claim_instance(0, tmp_path)
        assert mine.number == 1
        assert (tmp_path / "0.lock").read_text().strip() == str(holder.pid)  # the file names its holder
        mine.release()
    finally:
        holder.kill()  # killed, not released: the lock goes with the process
        holder.wait()
    assert claim_instance(0, tmp_path).number == 0


def test_a_full_host_says_so(tmp_path: Path) -> None:
    held = [claim_instance(0, tmp_path, limit=2) for _ in range(2)]
    with pytest.raises(
        NoFreeInstance, match=r"all 2 simulated-board numbers are held .*each lock file names"
    ):
        claim_instance(0, tmp_path, limit=2)
    assert sorted(c.number for c in held) == [0, 1]
