"""3.4.41-3.4.44 (ESP32): the board as a Bluetooth LE HID device (HID over GATT): AT+BLEHIDINIT,
AT+BLEHIDKB, AT+BLEHIDMUS, AT+BLEHIDCONSUMER.

AT+BLEHIDINIT=1 puts the HID Service (0x1812, HID over GATT Profile 1.0) on the board's GATT server: HID
Information (0x2A4A), Report Map (0x2A4B), HID Control Point (0x2A4C), Protocol Mode (0x2A4E, Report
mode) and three input Reports (0x2A4D, read/notify, each with its Report Reference 0x2908: report ID and type
1 "input"): the keyboard (ID 1), the mouse (ID 2) and consumer control (ID 3), as the Report Map describes.
Each AT command notifies its report to the host that enabled it:

- AT+BLEHIDKB: the 8-byte boot keyboard layout (HID 1.11 Appendix B.1: modifiers, a reserved byte, six key
  codes of the Keyboard/Keypad page 3.4.42 names), then the all-zero report, a key press and its release as a
  real board sends them (espressif/esp-at#601: "a single 'a' will be input");
- AT+BLEHIDMUS: buttons, X, Y and wheel, one byte each (signed displacements, HID 1.11 Appendix B.2 plus the
  wheel);
- AT+BLEHIDCONSUMER: the 16-bit Consumer page usage ID in decimal (spec/corrections.yaml: 233 is 0xE9, Volume
  Increment), little-endian.

The guide gives no report layout; those above are the HID specification's boot layouts and the simplest
Consumer page array. Without AT+BLEHIDINIT=1, or with no connection, the commands answer ERROR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.ble import POWER_ON_HOOKS, require_init
from sim.commands.ble_conn import links

HIDINIT = command("AT+BLEHIDINIT", section="3.4.41")
HIDKB = command("AT+BLEHIDKB", section="3.4.42")
HIDMUS = command("AT+BLEHIDMUS", section="3.4.43")
HIDCONSUMER = command("AT+BLEHIDCONSUMER", section="3.4.44")

#: Report IDs of the Report Map below.
KEYBOARD_ID, MOUSE_ID, CONSUMER_ID = 1, 2, 3
#: HID 1.11 6.2.2: a keyboard (boot layout), a mouse with a wheel, a 16-bit consumer control array.
# fmt: off
REPORT_MAP = bytes([
    0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x85, KEYBOARD_ID,           # Generic Desktop, Keyboard, report 1
    0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,      #   modifiers: 8 bits
    0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
    0x95, 0x01, 0x75, 0x08, 0x81, 0x01,                              #   reserved byte
    0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x19, 0x00,      #   six key codes
    0x29, 0x65, 0x81, 0x00, 0xC0,
    0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x85, MOUSE_ID,              # Generic Desktop, Mouse, report 2
    0x09, 0x01, 0xA1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x08,      #   eight buttons
    0x15, 0x00, 0x25, 0x01, 0x95, 0x08, 0x75, 0x01, 0x81, 0x02,
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38, 0x15, 0x81,      #   X, Y, wheel: -127..127
    0x25, 0x7F, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06, 0xC0, 0xC0,
    0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x85, CONSUMER_ID,           # Consumer, report 3
    0x15, 0x00, 0x26, 0xFF, 0x03, 0x19, 0x00, 0x2A, 0xFF, 0x03,      #   one usage ID, 0..0x3FF
    0x75, 0x10, 0x95, 0x01, 0x81, 0x00, 0xC0,
])
# fmt: on
#: HID Information: bcdHID 1.11, country 0, flags RemoteWake | NormallyConnectable (HOGP 1.0 2.3.3).
HID_INFORMATION = bytes([0x11, 0x01, 0x00, 0x03])
#: Report Reference type 1: an input report (HOGP 1.0 2.3.1).
INPUT_REPORT = 1


@dataclass
class Hid:
    """Per radio: whether the profile is initialized and the bumble Report characteristics by report ID."""

    initialized: bool = False
    reports: dict[int, Any] = field(default_factory=dict)


def _reset(board: Any, _radio: Any) -> None:
    board.runtime(Hid).__init__()  # type: ignore[misc]


POWER_ON_HOOKS.append(_reset)


def _service() -> tuple[Any, dict[int, Any]]:
    from bumble.att import Attribute
    from bumble.core import UUID
    from bumble.gatt import Characteristic, Descriptor, Service

    def uuid(value: int) -> Any:
        return UUID.from_16_bits(value)

    props = Characteristic.Properties
    reports = {
        rid: Characteristic(
            uuid(0x2A4D),
            props.READ | props.NOTIFY,
            Attribute.READABLE,
            bytes(8 if rid == KEYBOARD_ID else 4 if rid == MOUSE_ID else 2),
            [Descriptor(uuid(0x2908), Attribute.READABLE, bytes([rid, INPUT_REPORT]))],
        )
        for rid in (KEYBOARD_ID, MOUSE_ID, CONSUMER_ID)
    }
    chars = [
        Characteristic(uuid(0x2A4A), props.READ, Attribute.READABLE, HID_INFORMATION),
        Characteristic(uuid(0x2A4B), props.READ, Attribute.READABLE, REPORT_MAP),
        Characteristic(uuid(0x2A4C), props.WRITE_WITHOUT_RESPONSE, Attribute.WRITEABLE, b"\x00"),
        Characteristic(
            uuid(0x2A4E),
            props.READ | props.WRITE_WITHOUT_RESPONSE,
            Attribute.READABLE | Attribute.WRITEABLE,
            b"\x01",
        ),
        *reports.values(),
    ]
    return Service(uuid(0x1812), chars), reports


@HIDINIT.query
async def hidinit_query(ctx: CommandContext) -> None:
    require_init(ctx)
    ctx.reply(f"+BLEHIDINIT:{1 if ctx.board.runtime(Hid).initialized else 0}")


@HIDINIT.set
async def hidinit_set(ctx: CommandContext) -> None:
    state = require_init(ctx)
    ctx.args.count(1, 1)
    init = ctx.args.int(0, 0, 1)
    hid = ctx.board.runtime(Hid)
    if init == 1 and not hid.reports:
        assert state.radio is not None
        service, hid.reports = _service()
        state.radio.device.add_service(service)
    hid.initialized = init == 1


async def _notify(ctx: CommandContext, report_id: int, *reports: bytes) -> None:
    """Notify ``reports`` of ``report_id`` to every connected host (those that enabled them receive them)."""
    state = require_init(ctx)
    hid = ctx.board.runtime(Hid)
    if not hid.initialized:
        raise ctx.fail(errors.exec_fail(), "HID is not initialized (AT+BLEHIDINIT=1 first)")
    table = links(ctx.board).by_index
    if not table:
        raise ctx.fail(errors.exec_fail(), "no host connected")
    assert state.radio is not None
    device = state.radio.device
    for value in reports:
        for link in table.values():
            await device.notify_subscriber(link.connection, hid.reports[report_id], value)


@HIDKB.set
async def hidkb_set(ctx: CommandContext) -> None:
    ctx.args.count(7, 7)
    modifiers = ctx.args.int(0, 0, 0xFF)
    keys = [ctx.args.int(i, 0, 0xFF) for i in range(1, 7)]
    await _notify(ctx, KEYBOARD_ID, bytes([modifiers, 0, *keys]), bytes(8))


@HIDMUS.set
async def hidmus_set(ctx: CommandContext) -> None:
    ctx.args.count(4, 4)
    buttons = ctx.args.int(0, 0, 0xFF)
    moves = [ctx.args.int(i, -127, 127) & 0xFF for i in range(1, 4)]
    await _notify(ctx, MOUSE_ID, bytes([buttons, *moves]))


@HIDCONSUMER.set
async def hidconsumer_set(ctx: CommandContext) -> None:
    ctx.args.count(1, 1)
    usage = ctx.args.int(0, 0, 0x3FF)
    await _notify(ctx, CONSUMER_ID, usage.to_bytes(2, "little"))
