"""3.1 Basic AT commands: AT+SYSMSG, AT+SYSMSGFILTER, AT+SYSMSGFILTERCFG."""

from __future__ import annotations

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.flash import SavePolicy
from sim.msgfilter import MAX_REGEXP_LEN, RegexError

SYSMSG = command("AT+SYSMSG", section="3.1.14")
SYSMSGFILTER = command("AT+SYSMSGFILTER", section="3.1.15")
SYSMSGFILTERCFG = command("AT+SYSMSGFILTERCFG", section="3.1.16")


@SYSMSG.query
async def sysmsg_query(ctx: CommandContext) -> None:
    ctx.reply(f"+SYSMSG:{ctx.board.at.sysmsg}")


@SYSMSG.set
async def sysmsg_set(ctx: CommandContext) -> None:
    ctx.args.count(1)
    state = ctx.args.int(0, 0, 7)
    ctx.board.at.sysmsg = state
    ctx.board.save("basic", "sysmsg", state, SavePolicy.SYSSTORE)


@SYSMSGFILTER.query
async def sysmsgfilter_query(ctx: CommandContext) -> None:
    ctx.reply(f"+SYSMSGFILTER:{int(ctx.board.at.msgfilter.enabled)}")


@SYSMSGFILTER.set
async def sysmsgfilter_set(ctx: CommandContext) -> None:
    """Enabling takes effect after this command's own OK, disabling before it.

    The 4.1.1 transcript prints OK for AT+SYSMSGFILTER=1 while a filter for a bare CR LF OK CR LF is
    configured: the command's response belongs to the state it was given in (decision in
    spec/corrections.yaml, "AT+SYSMSGFILTER and the OK of commands"). Every later message, OK of other
    commands included, goes through the filters.
    """
    ctx.args.count(1)
    enable = bool(ctx.args.int(0, 0, 1))
    if not enable:
        ctx.board.at.msgfilter.enabled = False
        return
    ctx.ok()
    ctx.board.at.msgfilter.enabled = True


@SYSMSGFILTERCFG.query
async def sysmsgfiltercfg_query(ctx: CommandContext) -> None:
    for index, f in enumerate(ctx.board.at.msgfilter.filters):
        ctx.write(b'+SYSMSGFILTERCFG:%d,"%s","%s"\r\n' % (index, f.head, f.tail))


@SYSMSGFILTERCFG.set
async def sysmsgfiltercfg_set(ctx: CommandContext) -> None:
    a = ctx.args
    op = a.int(0, 0, 2)
    if op == 0:
        a.count(1)
        ctx.board.at.msgfilter.clear()
        return
    a.count(3)
    head_len = a.int(1, 0, MAX_REGEXP_LEN)
    tail_len = a.int(2, 0, MAX_REGEXP_LEN)
    if head_len == 0 and tail_len == 0:
        raise ctx.fail(errors.para_invalid(2), "head and tail lengths cannot both be 0")
    ctx.ok()  # 3.1.16: OK, then > and the expressions
    data = await ctx.prompt_and_read(head_len + tail_len)
    assert data is not None
    head, tail = data[:head_len], data[head_len:]
    flt = ctx.board.at.msgfilter
    if op == 1:
        try:
            flt.add(head, tail)
        except RegexError as e:
            ctx.board.log(f"at-msgfilter: {e}")
            ctx.error()
            return
    elif not flt.remove(head, tail):
        ctx.board.log(f"at-msgfilter: no filter {head!r},{tail!r} to delete")
        ctx.error()
        return
    ctx.ok()
