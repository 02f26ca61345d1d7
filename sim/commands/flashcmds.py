"""3.1 Basic AT commands: AT+SYSFLASH (user partitions) and AT+SYSMFG (mfg_nvs key-value pairs)."""

from __future__ import annotations

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.partitions import INT_RANGES, SECTOR, MfgType, MfgValue

SYSFLASH = command("AT+SYSFLASH", section="3.1.17")
SYSMFG = command("AT+SYSMFG", section="3.1.18")

#: NVS limits: keys and namespaces are at most 15 characters; a string value at most 4000 bytes, a blob
#: at most 508000 bytes.
NVS_NAME_MAX = 15
NVS_STRING_MAX = 4000
NVS_BLOB_MAX = 508000


@SYSFLASH.query
async def sysflash_query(ctx: CommandContext) -> None:
    for p in ctx.board.partitions.table:
        ctx.reply(f'+SYSFLASH:"{p.name}",{p.type},{p.subtype},0x{p.addr:x},0x{p.size:x}')


@SYSFLASH.set
async def sysflash_set(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(2, 4)
    op = a.int(0, 0, 2)
    name = a.str(1, max_len=16, min_len=1)
    part = ctx.board.partitions.find(name)
    if part is None:
        raise ctx.fail(errors.para_invalid(1), f"no user partition {name!r}")
    if op == 0:
        offset = a.int(2, 0, part.size, default=0)
        length = a.int(3, 1, part.size, default=part.size - offset)
        if offset % SECTOR or (length % SECTOR and offset + length != part.size):
            raise ctx.fail(errors.para_invalid(2), "erase must cover whole 4 KB sectors")
        if offset + length > part.size:
            raise ctx.fail(errors.para_invalid(3), "erase beyond the end of the partition")
        ctx.board.partitions.erase(part, offset, length)
        return
    a.count(4)
    offset = a.int(2, 0, part.size - 1)
    length = a.int(3, 1, part.size)
    if offset + length > part.size:
        raise ctx.fail(
            errors.para_invalid(3), f"{offset}+{length} is beyond the partition's {part.size} bytes"
        )
    if op == 1:
        data = await ctx.prompt_and_read(length)
        assert data is not None
        ctx.board.partitions.write(part, offset, data)
        return
    data = ctx.board.partitions.read(name, offset, length)
    ctx.write(b"+SYSFLASH:%d," % len(data) + data + b"\r\n")


# --- AT+SYSMFG ---------------------------------------------------------------------------------------


@SYSMFG.query
async def sysmfg_query(ctx: CommandContext) -> None:
    for ns in ctx.board.mfg.namespaces():
        ctx.reply(f'+SYSMFG:"{ns}"')


@SYSMFG.set
async def sysmfg_set(ctx: CommandContext) -> None:
    op = ctx.args.int(0, 0, 2)
    if op == 0:
        await _erase(ctx)
    elif op == 1:
        await _read(ctx)
    else:
        await _write(ctx)


def _name(ctx: CommandContext, i: int) -> str:
    return ctx.args.str(i, max_len=NVS_NAME_MAX, min_len=1)


async def _erase(ctx: CommandContext) -> None:
    ctx.args.count(2, 3)
    ns = _name(ctx, 1)
    key = None if ctx.args.omitted(2) else _name(ctx, 2)
    if not ctx.board.mfg.erase(ns, key):
        raise ctx.fail(errors.exec_fail(), f"nothing to erase at {ns!r}/{key!r}")


async def _read(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(1, 5)
    mfg = ctx.board.mfg
    if a.omitted(1):
        for ns in mfg.namespaces():
            ctx.reply(f'+SYSMFG:"{ns}"')
        return
    ns = _name(ctx, 1)
    if ns not in mfg.namespaces():
        raise ctx.fail(errors.exec_fail(), f"no namespace {ns!r}")
    if a.omitted(2):
        for key in mfg.keys(ns):
            v = mfg.get(ns, key)
            assert v is not None
            ctx.reply(f'+SYSMFG:"{ns}","{key}",{int(v.type)}')
        return
    key = _name(ctx, 2)
    value = mfg.get(ns, key)
    if value is None:
        raise ctx.fail(errors.exec_fail(), f"no key {key!r} in {ns!r}")
    data = value.as_bytes()
    if len(a) > 3:
        a.count(5)
        offset = a.int(3, 0, max(len(data) - 1, 0))
        length = a.int(4, 1, len(data) - offset)
        data = data[offset : offset + length]
    head = b'+SYSMFG:"%s","%s",%d,%d,' % (ns.encode(), key.encode(), int(value.type), len(data))
    ctx.write(head + data + b"\r\n")


async def _write(ctx: CommandContext) -> None:
    a = ctx.args
    a.count(5)
    ns = _name(ctx, 1)
    key = _name(ctx, 2)
    vtype = MfgType(a.int(3, 1, 8))
    if vtype in INT_RANGES:
        lo, hi = INT_RANGES[vtype]
        ctx.board.mfg.set(ns, key, MfgValue(vtype, a.int(4, lo, hi)))
        return
    limit = NVS_STRING_MAX if vtype is MfgType.STRING else NVS_BLOB_MAX
    length = a.int(4, 1, limit)
    data = await ctx.prompt_and_read(length)
    assert data is not None
    ctx.board.mfg.set(ns, key, MfgValue(vtype, data))
