"""3.12 Driver AT commands: ADC, LEDC PWM (with fade), I2C master and SPI master on the scripted
peripherals of the air file (``peripherals:``, sim/periph/schema.py).

The commands are not in the default firmware (3.12 introduction: "AT driver command support"); a profile
of a build with them enables them. ESP-AT's driver handlers are not public, so which ERR CODE a refusal
carries is this simulator's reading of the 3.1.26 layout: a parameter outside its documented range is
PARA_INVALID(index), a wrong count PARA_NUM_MISMATCH, and a refusal the parameters cannot show (a bus not
initialised, no device acknowledging its address) ESP_AT_SUB_CMD_EXEC_FAIL.

After every change the bench's state goes to the side channel (``observe_file``): what an I2C device
received, the SPI transactions, each PWM channel's duty and fade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.board import Board, on_boot
from sim.periph.model import Nack, PeripheralBench, PwmChannel

DRVADC = command("AT+DRVADC", section="3.12.2")
DRVPWMINIT = command("AT+DRVPWMINIT", section="3.12.3")
DRVPWMDUTY = command("AT+DRVPWMDUTY", section="3.12.4")
DRVPWMFADE = command("AT+DRVPWMFADE", section="3.12.5")
DRVI2CINIT = command("AT+DRVI2CINIT", section="3.12.6")
DRVI2CRD = command("AT+DRVI2CRD", section="3.12.7")
DRVI2CWRDATA = command("AT+DRVI2CWRDATA", section="3.12.8")
DRVI2CWRBYTES = command("AT+DRVI2CWRBYTES", section="3.12.9")
DRVSPICONFGPIO = command("AT+DRVSPICONFGPIO", section="3.12.10")
DRVSPIINIT = command("AT+DRVSPIINIT", section="3.12.11")
DRVSPIRD = command("AT+DRVSPIRD", section="3.12.12")
DRVSPIWR = command("AT+DRVSPIWR", section="3.12.13")

#: ESP32 GPIO numbers 0..39 (34..39 input only: not an LEDC, SCL or MOSI output).
GPIO_MAX = 39
GPIO_INPUT_ONLY = range(34, 40)
#: 3.12.3 notes: at most 4 channels; <freq> 1 Hz .. 8 MHz.
PWM_CHANNELS = 4
PWM_FREQ_MAX = 8_000_000
#: The LEDC counter runs from the 80 MHz APB clock: <freq> x 2^<duty_res> may not exceed it (3.12.3 note:
#: "the frequency and the duty resolution are interdependent").
LEDC_CLOCK_HZ = 80_000_000
#: 3.12.12/3.12.13 note: without DMA at most 64 bytes per transaction.
SPI_NO_DMA_MAX = 64


@dataclass
class DriverRuntime:
    """Per-boot state: no bus or channel is set up after a restart."""

    bench: PeripheralBench | None = None
    spi_gpio: tuple[int, int, int, int] | None = None
    spi_init: dict[str, int] | None = None
    i2c_clock: dict[int, int] = field(default_factory=dict)


def _bench_of(board: Board) -> PeripheralBench:
    rt = board.runtime(DriverRuntime)
    if rt.bench is None:
        rt.bench = PeripheralBench.from_config(getattr(board.air, "peripherals", None))
    return rt.bench


def _bench(ctx: CommandContext) -> PeripheralBench:
    return _bench_of(ctx.board)


def _side_file(board: Board, name: str | None) -> Path | None:
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else board.state_dir / path


def _write_observed(board: Board) -> None:
    """Rewrite the side channel (whole file, then rename, so a reader never sees half of it)."""
    bench = _bench_of(board)
    path = _side_file(board, bench.config.observe_file)
    if path is None:
        return
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(bench.snapshot(), indent=1), encoding="utf-8")
    tmp.replace(path)


def _observed(ctx: CommandContext) -> None:
    """Written before the command's final result, so a test that has the OK reads the state it stands for."""
    _write_observed(ctx.board)


@on_boot
def _fresh_observations(board: Board) -> None:
    # A restart leaves no bus or channel set up: the side channel says so before ready, not what the last
    # boot saw.
    if getattr(board.air, "peripherals", None) is not None:
        _write_observed(board)


def _gpio(ctx: CommandContext, i: int, *, output: bool = True, allow_unused: bool = False) -> int:
    lo = -1 if allow_unused else 0
    value = ctx.args.int(i, lo, GPIO_MAX)
    if output and value in GPIO_INPUT_ONLY:
        raise ctx.fail(errors.para_invalid(i), f"GPIO{value} is input only")
    return value


# --- ADC (3.12.2) ---------------------------------------------------------------------------------


@DRVADC.set
async def drvadc_set(ctx: CommandContext) -> None:
    ctx.args.count(2)
    channel = ctx.args.int(0, 0, 7)  # ESP32 ADC1: channels 0..7 (GPIO36..GPIO35)
    atten = ctx.args.int(1, 0, 3)
    bench = _bench(ctx)
    source = _side_file(ctx.board, bench.config.source_file)
    if source is not None and source.exists():
        # the voltage a test set on the channel (rigs/boards/periph.py), read at the conversion
        try:
            bench.apply_sources(json.loads(source.read_text(encoding="utf-8")))
        except ValueError as exc:  # json.JSONDecodeError is one
            raise ctx.fail(errors.exec_fail(), f"peripheral source file {source}: {exc}") from None
    ctx.reply(f"+DRVADC:{bench.adc_read(channel, atten)}")


# --- LEDC PWM (3.12.3-3.12.5) ---------------------------------------------------------------------


@DRVPWMINIT.set
async def drvpwminit_set(ctx: CommandContext) -> None:
    n = ctx.args.count(3, 2 + PWM_CHANNELS)
    freq = ctx.args.int(0, 1, PWM_FREQ_MAX)
    duty_res = ctx.args.int(1, 0, 20)
    gpios = [_gpio(ctx, i) for i in range(2, n)]
    if freq << duty_res > LEDC_CLOCK_HZ:
        raise ctx.fail(errors.exec_fail(), f"{freq} Hz x 2^{duty_res} exceeds the LEDC clock")
    _bench(ctx).pwm_init(freq, duty_res, gpios)
    _observed(ctx)


def _channels(ctx: CommandContext) -> tuple[list[PwmChannel], int]:
    bench = _bench(ctx)
    if not bench.pwm or bench.pwm_duty_res is None:
        raise ctx.fail(errors.exec_fail(), "PWM not initialised (AT+DRVPWMINIT)")
    return bench.pwm, bench.pwm_duty_res


@DRVPWMDUTY.set
async def drvpwmduty_set(ctx: CommandContext) -> None:
    """3.12.4: one <duty> per initialised channel, in [0, 2^duty_res]; an omitted one is left alone."""
    channels, res = _channels(ctx)
    ctx.args.count(1, len(channels))
    duties = {i: ctx.args.int(i, 0, 1 << res) for i in range(len(ctx.args)) if not ctx.args.omitted(i)}
    for i, duty in duties.items():
        channels[i].duty = duty
        channels[i].fade_target = channels[i].fade_time_ms = None
    _observed(ctx)


@DRVPWMFADE.set
async def drvpwmfade_set(ctx: CommandContext) -> None:
    """3.12.5: a (<target_duty>, <fade_time>) pair per initialised channel; an omitted pair is left alone.
    The guide's own example ends with a comma (``1024,1000,0,2000,``): empty trailing fields are allowed.
    The channel reaches its target when the fade ends; the side channel shows the target and the time."""
    channels, res = _channels(ctx)
    a = ctx.args
    a.count(2, 2 * PWM_CHANNELS)
    for i in range(2 * len(channels), len(a)):
        if not a.omitted(i):
            raise ctx.fail(errors.para_num(2 * len(channels), len(a)), "more pairs than channels")
    fades: dict[int, tuple[int, int]] = {}
    for ch in range(min(len(channels), (len(a) + 1) // 2)):
        t, f = 2 * ch, 2 * ch + 1
        if a.omitted(t) and a.omitted(f):
            continue
        target = a.int(t, 0, (1 << res) - 1)
        fades[ch] = (target, a.int(f, 0, 0x7FFFFFFF))
    for ch, (target, time_ms) in fades.items():
        channels[ch].fade_target, channels[ch].fade_time_ms = target, time_ms
        channels[ch].duty = target
    _observed(ctx)


# --- I2C master (3.12.6-3.12.9) -------------------------------------------------------------------


@DRVI2CINIT.set
async def drvi2cinit_set(ctx: CommandContext) -> None:
    """3.12.6: <num> alone deinitialises the port; otherwise SCL, SDA and the clock (at most 1 MHz)."""
    n = ctx.args.count(1, 4)
    num = ctx.args.int(0, 0, 1)
    bench = _bench(ctx)
    clocks = ctx.board.runtime(DriverRuntime).i2c_clock
    if n == 1:
        if not bench.i2c_ports.get(num):
            raise ctx.fail(errors.exec_fail(), f"I2C{num} is not initialised")
        bench.i2c_ports[num] = False
        clocks.pop(num, None)
        return
    ctx.args.count(4)
    scl, sda = _gpio(ctx, 1), _gpio(ctx, 2)
    if scl == sda:
        raise ctx.fail(errors.para_invalid(2), "SCL and SDA on the same GPIO")
    clocks[num] = ctx.args.int(3, 1, 1_000_000)
    bench.i2c_ports[num] = True


def _i2c_target(ctx: CommandContext, length_max: int) -> tuple[int, int, int]:
    a = ctx.args
    num = a.int(0, 0, 1)
    address = a.int(1, 0, 0x7BFF)
    if 0x7F < address < 0x7800:
        raise ctx.fail(errors.para_invalid(1), f"{address:#x} is neither a 7-bit nor a 10-bit address")
    length = a.int(2, 1, length_max)
    if not _bench(ctx).i2c_ports.get(num):
        raise ctx.fail(errors.exec_fail(), f"I2C{num} is not initialised (AT+DRVI2CINIT)")
    return num, address, length


@DRVI2CRD.set
async def drvi2crd_set(ctx: CommandContext) -> None:
    ctx.args.count(3)
    num, address, length = _i2c_target(ctx, 2048)
    try:
        data = _bench(ctx).i2c_read(num, address, length)
    except Nack as exc:
        raise ctx.fail(errors.exec_fail(), str(exc)) from None
    _observed(ctx)
    # The response block shows OK right after the data line (3.12.7, and 3.12.12's example), but the guide's
    # blocks put empty lines inconsistently and no real board's output shows these commands: the usual
    # empty line before OK (rigs/at/wire.py GLUED_OK lists the queries with evidence for the other way).
    ctx.reply(f"+DRVI2CRD:{data.hex()}")


@DRVI2CWRDATA.set
async def drvi2cwrdata_set(ctx: CommandContext) -> None:
    """3.12.8: OK and ``>``, <length> bytes, then OK when the device took them, ERROR when not."""
    ctx.args.count(3)
    num, address, length = _i2c_target(ctx, 2048)
    ctx.ok()
    data = await ctx.prompt_and_read(length)
    if data is None:
        ctx.error(errors.exec_fail())
        return
    try:
        _bench(ctx).i2c_write(num, address, data)
    except Nack:
        ctx.error(errors.exec_fail())
        return
    _observed(ctx)
    ctx.ok()


@DRVI2CWRBYTES.set
async def drvi2cwrbytes_set(ctx: CommandContext) -> None:
    """3.12.9: <length> (1..4) bytes of <data>, most significant first (0x27FF: register 0x27, then 0xFF)."""
    ctx.args.count(4)
    num, address, length = _i2c_target(ctx, 4)
    value = ctx.args.int(3, 0, 0xFFFFFFFF)
    if value >> (8 * length):
        raise ctx.fail(errors.para_invalid(3), f"{value:#x} does not fit in {length} bytes")
    try:
        _bench(ctx).i2c_write(num, address, value.to_bytes(length, "big"))
    except Nack as exc:
        raise ctx.fail(errors.exec_fail(), str(exc)) from None
    _observed(ctx)


# --- SPI master (3.12.10-3.12.13) -----------------------------------------------------------------


@DRVSPICONFGPIO.set
async def drvspiconfgpio_set(ctx: CommandContext) -> None:
    ctx.args.count(4)
    mosi = _gpio(ctx, 0)
    miso = _gpio(ctx, 1, output=False, allow_unused=True)
    sclk = _gpio(ctx, 2)
    cs = _gpio(ctx, 3, allow_unused=True)
    ctx.board.runtime(DriverRuntime).spi_gpio = (mosi, miso, sclk, cs)


@DRVSPIINIT.set
async def drvspiinit_set(ctx: CommandContext) -> None:
    """3.12.11: <clock> alone deletes the driver ("AT+DRVSPIINIT=0"); the GPIOs come first (note)."""
    rt = ctx.board.runtime(DriverRuntime)
    n = ctx.args.count(1, 6)
    if n == 1:
        ctx.args.int(0, 0, 0)
        if rt.spi_init is None:
            raise ctx.fail(errors.exec_fail(), "the SPI driver is not initialised")
        rt.spi_init = None
        return
    ctx.args.count(5, 6)
    a = ctx.args
    clock = a.int(0, 1, 40_000_000)
    settings = {
        "clock": clock,
        "mode": a.int(1, 0, 3),
        "cmd_bit": a.int(2, 0, 16),
        "addr_bit": a.int(3, 0, 64),
        "dma_chan": a.int(4, choices=(0, 1, 2)),
        "bits_msb": a.int(5, 0, 3, default=0),
    }
    if rt.spi_gpio is None:
        raise ctx.fail(errors.exec_fail(), "SPI GPIOs not configured (AT+DRVSPICONFGPIO)")
    rt.spi_init = settings


def _spi_transaction(ctx: CommandContext, data_min: int) -> tuple[int, int | None, int | None]:
    """<data_len>[,<cmd>,<cmd_len>][,<addr>,<addr_len>]: a value counts when its length is not 0."""
    a = ctx.args
    a.count(1, 5)
    if len(a) in (2, 4):
        raise ctx.fail(errors.para_num(len(a) + 1, len(a)), "a value without its length")
    rt = ctx.board.runtime(DriverRuntime)
    data_len = a.int(0, data_min, 4092)
    if rt.spi_init is None:
        raise ctx.fail(errors.exec_fail(), "the SPI driver is not initialised (AT+DRVSPIINIT)")
    if rt.spi_init["dma_chan"] == 0 and data_len > SPI_NO_DMA_MAX:
        raise ctx.fail(errors.para_invalid(0), f"{data_len} bytes without DMA (at most {SPI_NO_DMA_MAX})")
    cmd = addr = None
    if len(a) >= 3:
        value, size = a.int(1, 0, 0xFFFF), a.int(2, 0, 2)
        if value >> (8 * size):
            raise ctx.fail(errors.para_invalid(1), f"{value:#x} does not fit in {size} bytes")
        cmd = value if size else None
    if len(a) == 5:
        value, size = a.int(3, 0, 0xFFFFFFFF), a.int(4, 0, 4)
        if value >> (8 * size):
            raise ctx.fail(errors.para_invalid(3), f"{value:#x} does not fit in {size} bytes")
        addr = value if size else None
    return data_len, cmd, addr


@DRVSPIRD.set
async def drvspird_set(ctx: CommandContext) -> None:
    data_len, cmd, addr = _spi_transaction(ctx, 1)
    data = _bench(ctx).spi_read(cmd, addr, data_len)
    ctx.reply(f"+DRVSPIRD:{data.hex()}")  # then OK after an empty line, as AT+DRVI2CRD


@DRVSPIWR.set
async def drvspiwr_set(ctx: CommandContext) -> None:
    """3.12.13: with <data_len> > 0, OK and ``>``, the bytes, then OK; with 0, OK at once (command and
    address phases only)."""
    data_len, cmd, addr = _spi_transaction(ctx, 0)
    data = b""
    if data_len:
        ctx.ok()
        got = await ctx.prompt_and_read(data_len)
        if got is None:
            ctx.error(errors.exec_fail())
            return
        data = got
    _bench(ctx).spi_write(cmd, addr, data)
    _observed(ctx)
    if data_len:
        ctx.ok()
