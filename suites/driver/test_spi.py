"""3.12.10-3.12.13 SPI master against the rig's device: the GPIOs first (3.12.11 note), the driver set up
and deleted (``AT+DRVSPIINIT=0``); AT+DRVSPIWR with a data phase (OK, ``>``, the bytes, OK) and without one
(<data_len> 0: OK alone); AT+DRVSPIRD with and without command and address phases; at most 64 bytes without
DMA (3.12.12/3.12.13 notes). Where the rig observes the bus, the transactions the device received.

Expected values: the rig's device (rigs/model/peripherals.py): a ``memory`` reads back what was written at
an address and ``fill`` where nothing was (0xff erased, as the 3.12.12 example reads ``ffff``); a
``loopback`` gives back the last bytes written. Refusals are ERROR only (no documented code; the handlers are
not public: spec/err_provenance.yaml)."""

from __future__ import annotations

import pytest

from fixtures.suite import restart
from rigs.model import SpiPeer

pytestmark = [pytest.mark.driver, pytest.mark.usefixtures("fresh_board"), pytest.mark.requires("spi-device")]

#: 1 MHz, mode 0, no default command or address bits, MSB first; the DMA channel per test
SETUP = "AT+DRVSPIINIT=1000000,0,0,0,{dma}"
#: 3.12.12/3.12.13 examples: command 0x03 (read) with a 3-byte address; 0x02 is the memory's write command
READ_CMD, WRITE_CMD = 0x03, 0x02


@pytest.fixture
def device(wiring) -> SpiPeer:
    return wiring.spi


def pins(dut, expect, device: SpiPeer) -> None:
    line = f"AT+DRVSPICONFGPIO={device.mosi},{device.miso},{device.sclk},{device.cs}"
    expect.ok(dut.cmd(line), "AT+DRVSPICONFGPIO", "set")


@pytest.fixture
def spi(dut, expect, device) -> SpiPeer:
    pins(dut, expect, device)
    expect.ok(dut.cmd(SETUP.format(dma=1)), "AT+DRVSPIINIT", "set")
    return device


def read(dut, expect, length: int, addr: int | None = None) -> bytes:
    phases = "" if addr is None else f",{READ_CMD:#04x},1,{addr:#08x},3"
    m = expect.ok(dut.cmd(f"AT+DRVSPIRD={length}{phases}"), "AT+DRVSPIRD", "set")
    return bytes.fromhex(str(m["read data"]))


def write(dut, expect, data: bytes, addr: int) -> None:
    prompt = dut.cmd(f"AT+DRVSPIWR={len(data)},{WRITE_CMD:#04x},1,{addr:#08x},3")
    assert prompt.prompt, f"expected OK and '>', got {prompt.text!r}"
    verdict = dut.send_data(data)
    expect.ok(prompt, "AT+DRVSPIWR", "set")
    expect.ok(verdict, "AT+DRVSPIWR", "set")


@pytest.mark.form("AT+DRVSPICONFGPIO", "set")
@pytest.mark.form("AT+DRVSPIINIT", "set")
@pytest.mark.form("AT+DRVSPIRD", "set")
def test_the_guides_setup_and_read(dut, expect, device) -> None:
    """3.12.11 example (100 kHz, mode 0, no DMA, LSB first both ways) on the rig's pins, then the 3.12.12
    example read of two bytes: an erased memory gives its fill (``ffff`` in the guide)."""
    pins(dut, expect, device)
    expect.ok(dut.cmd("AT+DRVSPIINIT=102400,0,0,0,0,3"), "AT+DRVSPIINIT", "set")
    if device.kind != "memory":
        pytest.skip("the rig's SPI device is a loopback: nothing to read before a write")
    m = expect.ok(dut.cmd(f"AT+DRVSPIRD=2,{READ_CMD:#04x},1,{device.size // 4:#08x},3"), "AT+DRVSPIRD", "set")
    assert bytes.fromhex(str(m["read data"])) == bytes([device.fill]) * 2


@pytest.mark.form("AT+DRVSPIWR", "set")
@pytest.mark.form("AT+DRVSPIRD", "set")
def test_written_bytes_reach_the_device(dut, expect, spi, observer) -> None:
    """AT+DRVSPIWR's data phase: the device receives the command, the address and the bytes; a memory
    gives them back from that address, a loopback as the next read."""
    data = bytes(range(0x30, 0x30 + 100))  # more than 64 bytes: the driver uses DMA channel 1
    addr = spi.size // 2 if spi.kind == "memory" else 0
    write(dut, expect, data, addr)
    if observer is not None:
        last = observer.spi_writes()[-1]
        assert (last.cmd, last.addr, last.data) == (WRITE_CMD, addr, data)
    got = read(dut, expect, len(data), addr) if spi.kind == "memory" else read(dut, expect, len(data))
    assert got == data, f"expected the {len(data)} bytes written, read {got.hex()}"


@pytest.mark.form("AT+DRVSPIWR", "set")
def test_write_without_data_phase(dut, expect, spi, observer) -> None:
    """3.12.13: <data_len> 0 sends the command and address only and answers OK with no prompt (the guide's
    ``AT+DRVSPIWR=0,0x03,1,0x001000,3``)."""
    resp = dut.cmd(f"AT+DRVSPIWR=0,{READ_CMD:#04x},1,0x001000,3")
    assert not resp.prompt, f"expected OK without '>' for <data_len> 0, got {resp.text!r}"
    expect.ok(resp, "AT+DRVSPIWR", "set")
    if observer is not None:
        last = observer.spi_writes()[-1]
        assert (last.cmd, last.addr, last.data) == (READ_CMD, 0x1000, b"")


@pytest.mark.form("AT+DRVSPIINIT", "set")
@pytest.mark.form("AT+DRVSPIRD", "set")
@pytest.mark.form("AT+DRVSPIWR", "set")
def test_without_dma_at_most_64_bytes(dut, expect, device) -> None:
    """3.12.12/3.12.13 notes: without DMA <data_len> is at most 64: 64 reads, 65 is refused both ways."""
    pins(dut, expect, device)
    expect.ok(dut.cmd(SETUP.format(dma=0)), "AT+DRVSPIINIT", "set")
    assert len(read(dut, expect, 64)) == 64
    expect.error(dut.cmd("AT+DRVSPIRD=65"))
    expect.error(dut.cmd("AT+DRVSPIWR=65"))


@pytest.mark.form("AT+DRVSPIINIT", "set")
@pytest.mark.form("AT+DRVSPIRD", "set")
def test_the_driver_needs_gpios_and_can_be_deleted(dut, expect, esp_rig, device) -> None:
    """After a restart: AT+DRVSPIINIT before AT+DRVSPICONFGPIO is refused (3.12.11 note), a read before the
    driver too; ``AT+DRVSPIINIT=0`` deletes it (3.12.11 example) and reads are refused again."""
    restart(dut, esp_rig)
    expect.error(dut.cmd(SETUP.format(dma=0)))
    expect.error(dut.cmd("AT+DRVSPIRD=2"))
    pins(dut, expect, device)
    expect.ok(dut.cmd(SETUP.format(dma=0)), "AT+DRVSPIINIT", "set")
    assert len(read(dut, expect, 2)) == 2
    expect.ok(dut.cmd("AT+DRVSPIINIT=0"), "AT+DRVSPIINIT", "set")
    expect.error(dut.cmd("AT+DRVSPIRD=2"))
