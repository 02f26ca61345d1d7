"""3.8 FileSystem AT commands: AT+FS and AT+FSMOUNT on the fatfs user partition.

The FAT file system of the ``fatfs`` partition (sim/profiles: ``partitions``) is kept as a directory tree in
``<state-dir>/fatfs/`` (one host file per FAT file, root directory only, as 3.8.2 supports). It survives
restarts like flash does; its capacity is the partition's size in 4 KB clusters less the clusters FAT
itself keeps (boot sector, two FATs, root directory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command

FS = command("AT+FS", section="3.8.2")
FSMOUNT = command("AT+FSMOUNT", section="3.8.3")

PARTITION = "fatfs"
CLUSTER = 4096
#: Clusters the FAT layout takes for itself on a 576 KB partition (reserved sector, 2 FATs, root directory).
FAT_OVERHEAD_CLUSTERS = 4
#: ESP-IDF's FATFS with long file names: a name is at most 255 characters.
NAME_MAX = 255

OP_DELETE, OP_WRITE, OP_READ, OP_SIZE, OP_LIST = range(5)


@dataclass
class FsRuntime:
    """Per-boot state: the file system is not mounted after a restart until AT+FS or AT+FSMOUNT=1."""

    mounted: bool = False


def _root(ctx: CommandContext) -> Path:
    return ctx.board.state_dir / "fatfs"


def _capacity(ctx: CommandContext) -> int:
    part = ctx.board.partitions.find(PARTITION)
    if part is None:
        return 0
    return (part.size // CLUSTER - FAT_OVERHEAD_CLUSTERS) * CLUSTER


def _clusters(size: int) -> int:
    return -(-size // CLUSTER)


def _mount(ctx: CommandContext) -> Path:
    """3.8.2 note: AT+FS mounts the file system itself. Without a fatfs partition (no at_customize.bin entry)
    there is nothing to mount: the command fails."""
    if ctx.board.partitions.find(PARTITION) is None:
        raise ctx.fail(errors.exec_fail(), "no fatfs partition in at_customize.bin")
    root = _root(ctx)
    root.mkdir(parents=True, exist_ok=True)
    ctx.board.runtime(FsRuntime).mounted = True
    return root


def _file(ctx: CommandContext, root: Path, name: str) -> Path:
    # Only the root directory is supported (3.8.2 <operation> 4); a path into a directory is refused.
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ctx.fail(errors.para_invalid(2), f"{name!r} is not a file of the root directory")
    return root / name


@FS.set
async def fs_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(3, 5)
    a.int(0, 0, 0)
    op = a.int(1, 0, 4)
    name = a.str(2, min_len=1, max_len=NAME_MAX)
    if op in (OP_WRITE, OP_READ):
        a.count(5)
    else:
        a.count(3)
    root = _mount(ctx)
    if op == OP_LIST:
        if name not in (".", "/"):
            raise ctx.fail(errors.para_invalid(2), "only the root directory can be listed")
        for entry in sorted(root.iterdir()):
            ctx.reply(f"+FS:{entry.name}")
        return
    path = _file(ctx, root, name)
    if op == OP_DELETE:
        if not path.is_file():
            raise ctx.fail(errors.exec_fail(), f"no file {name!r}")
        path.unlink()
        return
    if op == OP_SIZE:
        if not path.is_file():
            raise ctx.fail(errors.exec_fail(), f"no file {name!r}")
        ctx.reply(f"+FS:{path.stat().st_size}")
        return
    capacity = _capacity(ctx)
    offset = a.int(3, 0, capacity)
    length = a.int(4, 1, capacity)
    if op == OP_READ:
        if not path.is_file():
            raise ctx.fail(errors.exec_fail(), f"no file {name!r}")
        size = path.stat().st_size
        if offset >= size:
            raise ctx.fail(errors.exec_fail(), f"offset {offset} is at or past the end of {size} bytes")
        with path.open("rb") as f:
            f.seek(offset)
            # 3.8.2 note: a length beyond the file returns only the bytes the file has.
            data = f.read(length)
        ctx.write(b"+FS:%d," % len(data) + data + b"\r\n")
        return
    old = path.stat().st_size if path.is_file() else 0
    new = max(old, offset + length)
    used = sum(_clusters(p.stat().st_size) for p in root.iterdir() if p.is_file())
    if (used - _clusters(old) + _clusters(new)) * CLUSTER > capacity:
        raise ctx.fail(errors.exec_fail(), f"{new} bytes do not fit in the free space")
    data = await ctx.prompt_and_read(length)
    if data is None:
        raise ctx.fail(errors.exec_fail(), "data phase timed out")
    with path.open("r+b" if path.exists() else "w+b") as f:
        # FAT's f_lseek past the end grows the file; the gap reads back as zeros on the simulator.
        if offset > old:
            f.seek(old)
            f.write(b"\x00" * (offset - old))
        f.seek(offset)
        f.write(data)


@FSMOUNT.set
async def fsmount_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    mount = ctx.args.int(0, 0, 1)
    if mount:
        _mount(ctx)
    else:
        ctx.board.runtime(FsRuntime).mounted = False
