"""``python -m tools.flash --rig FILE [--board ID] [IMAGE|MANIFEST]``: write ESP-AT firmware to the rig's
boards through their ROM loader, with esptool as a library, and verify every part by MD5.

The chip is put in its ROM loader by the DTR/RTS auto-reset circuit of the port (esptool's
``default-reset``), or by hand (``flash.before: no-reset``). The port is the board's ``flash.port``, else
its log port (UART0: the ROM loader's UART on ESP32 boards), else its AT port (rigs/model/flashing.py).
What is written comes from the command line or the board's ``flash.image``: a factory_XXX.bin at 0x0, or
the build's download.config / flasher_args.json with the parts at the guide's offsets
(Get_Started/Downloading_guide.rst). Images not meant for the board are refused before the port is opened
(tools/flashplan.py): another chip's build, a partition table that is not one, the suite's test images on
a real board.

Exit status: 0 every board written and verified; 1 a board failed (its reason is printed); 2 bad input.

    python -m tools.flash --rig rigs/my-bench.yaml build/download.config
    python -m tools.flash --rig rigs/my-bench.yaml --board bench-a build/factory/factory_WROOM-32.bin
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rigs.boards.base import BoardError
from rigs.boards.usb import find_port
from rigs.loader import RigFileError, load_rig
from rigs.model import BoardConfig, BoardKind, FlashOptions, Rig
from tools.flashplan import FlashPlan, FlashRefused, check_plan, load_plan

__all__ = ["FlashError", "FlashResult", "flash_board", "flash_port", "main"]

#: esptool's ROM loader rate before the stub switches to ``flash.baud``.
ROM_BAUD = 115200


class FlashError(RuntimeError):
    """Writing or verifying failed on a board; the message names the board, the port and the cause."""


@dataclass(frozen=True)
class FlashResult:
    board_id: str
    port: str
    chip: str
    written: list[tuple[int, str, int, str]]  # (offset, name, size, md5) each verified
    seconds: float

    def describe(self) -> str:
        size = sum(w[2] for w in self.written)
        parts = ", ".join(f"{name}@{off:#x}" for off, name, _, _ in self.written)
        return (
            f"board {self.board_id}: {size} bytes written to the {self.chip} on {self.port} and verified by "
            f"MD5 in {self.seconds:.1f} s ({parts})"
        )


def flash_port(board: BoardConfig) -> str:
    """The ROM loader's port of ``board`` (see the module docstring for the order)."""
    options = board.flash or FlashOptions()
    if options.port:
        return options.port
    if board.log_port:
        return board.log_port
    if board.log_port_usb is not None:
        return find_port(board.log_port_usb, board_id=board.id, what="log port (ROM loader)")
    if board.port:
        return board.port
    if board.port_usb is not None:
        return find_port(board.port_usb, board_id=board.id, what="AT port (ROM loader)")
    raise FlashError(f"board {board.id}: no port to reach its ROM loader (give flash.port)")


def _padded(data: bytes) -> bytes:
    # esptool pads what it writes to 4 bytes with 0xff; verify exactly what lands in flash
    return data + b"\xff" * (-len(data) % 4)


def flash_board(board: BoardConfig, plan: FlashPlan, *, port: str | None = None) -> FlashResult:
    """Check ``plan`` against ``board``, write it through the ROM loader and verify each part by MD5.

    A simulated board (``kind: sim``, no ``flash.port``) is written through its own ROM loader, on the
    rfc2217 port it serves (``port``: its ready line's URL); it takes the suite's test images, which name
    the persona it then boots (sim/firmware.py, tools/testimages.py)."""
    options = board.flash or FlashOptions()
    test_images = options.test_images or (board.kind is BoardKind.SIM and options.port is None)
    check_plan(plan, chip=options.chip, test_images=test_images, board_id=board.id)
    port = port or flash_port(board)
    from esptool.cmds import attach_flash, detect_chip, run_stub, write_flash
    from esptool.util import FatalError

    t0 = time.monotonic()
    esp = None
    written: list[tuple[int, str, int, str]] = []
    try:
        try:
            esp = detect_chip(port, ROM_BAUD, options.before, connect_attempts=3)
        except (FatalError, OSError) as exc:
            raise FlashError(
                f"board {board.id}: no ROM loader answers on {port} ({exc}); check the USB cable and that "
                "DTR/RTS reach EN and GPIO0 (or hold BOOT and use flash.before: no-reset)"
            ) from exc
        if esp.CHIP_NAME.replace("-", "").lower() != options.chip:
            raise FlashError(
                f"board {board.id}: the ROM loader on {port} reports an {esp.CHIP_NAME}, the rig says "
                f"flash.chip: {options.chip}"
            )
        esp = run_stub(esp)
        if options.baud != ROM_BAUD:
            esp.change_baud(options.baud)
        attach_flash(esp)
        parts = [(p.offset, _padded(p.data)) for p in plan.parts]
        write_flash(
            esp,
            parts,
            flash_mode=plan.flash_mode,
            flash_freq=plan.flash_freq,
            flash_size=plan.flash_size,
            no_progress=True,
        )
        for part, (offset, data) in zip(plan.parts, parts, strict=True):
            want = hashlib.md5(data).hexdigest()
            got = esp.flash_md5sum(offset, len(data))
            if got != want:
                raise FlashError(
                    f"board {board.id}: {part.name} at {offset:#x} does not verify: MD5 of the image "
                    f"{want}, of the flash {got}"
                )
            written.append((offset, part.name, len(data), want))
        esp.hard_reset()  # RTS pulse on EN, GPIO0 released: the new firmware boots
    except FatalError as exc:
        raise FlashError(f"board {board.id}: esptool on {port}: {exc}") from exc
    finally:
        if esp is not None:
            esp._port.close()
    return FlashResult(board.id, port, esp.CHIP_NAME, written, time.monotonic() - t0)


def plan_for(board: BoardConfig, image: Path | None) -> FlashPlan:
    """The plan for ``board``: ``image`` when given, else the rig's ``flash.image``."""
    source = image or (board.flash.image if board.flash is not None else None)
    if source is None:
        raise FlashRefused(f"board {board.id}: no image given and the rig names none (flash.image)")
    return load_plan(source)


def flash_rig(rig: Rig, *, board_id: str | None = None, image: Path | None = None) -> list[str]:
    """Flash every serial board of ``rig`` that has an image (or ``board_id`` alone); returns one failure
    reason per board that failed. Simulated boards are left out: each is written when it is launched
    (``flash.before_session``, fixtures/boards.py), since a sim board lives no longer than its run."""
    boards = [rig.board(board_id)] if board_id else [b for b in rig.boards if b.sim is None]
    failures = []
    for board in boards:
        if image is None and (board.flash is None or board.flash.image is None):
            if board_id:
                failures.append(f"board {board.id}: no image given and the rig names none (flash.image)")
            continue
        try:
            result = flash_board(board, plan_for(board, image))
        except (FlashRefused, FlashError, BoardError) as exc:
            failures.append(str(exc))
            print(f"flash: FAILED {exc}", file=sys.stderr)
            continue
        print(f"flash: {result.describe()}")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.flash",
        description="Write ESP-AT firmware to a rig's boards through the ROM loader and verify it by MD5.",
    )
    parser.add_argument("--rig", required=True, type=Path, help="the rig file")
    parser.add_argument("--board", help="one board of the rig (default: every board with flash.image)")
    parser.add_argument(
        "image", nargs="?", type=Path,
        help="factory_XXX.bin (at 0x0), download.config or flasher_args.json (default: flash.image)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        rig = load_rig(args.rig)
        if args.board:
            rig.board(args.board)
    except RigFileError as exc:
        print(f"flash: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"flash: --board {args.board}: {exc.args[0]}", file=sys.stderr)
        return 2
    if not args.board and args.image is not None and sum(b.sim is None for b in rig.boards) > 1:
        print("flash: an image on the command line goes to one board: add --board ID", file=sys.stderr)
        return 2
    if args.image is None and not any(b.flash and b.flash.image for b in rig.boards):
        print(f"flash: rig {rig.name} names no image (flash.image) and none was given", file=sys.stderr)
        return 2
    failures = flash_rig(rig, board_id=args.board, image=args.image)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
