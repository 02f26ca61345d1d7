"""The board's GATT service table (3.4.18 AT+BLEGATTSSRVCRE: "the mfg_nvs.bin with GATTS configuration").

ESP-AT builds its services from a table of attribute rows (Compile_and_Develop "How to Customize Bluetooth LE
Services"): ``uuid_len, uuid, perm, val_max_len, val_cur_len, value``. A 0x2800 row opens a primary service
(its value is the service UUID), a 0x2803 row declares a characteristic (its value is the property byte), the
next row is that characteristic's value, and rows up to the next declaration are its descriptors. Indexes
count from 1: services in table order, characteristics within their service, descriptors within their
characteristic (3.4.22 AT+BLEGATTSCHAR?).

Pure logic: no bumble, no board.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Attribute types of the table (Bluetooth Assigned Numbers).
PRIMARY_SERVICE = 0x2800
CHARACTERISTIC = 0x2803
CCCD = 0x2902

#: The permission bits the guide lists (ESP_GATT_PERM_*): bit 0 read, bit 4 write; the encrypted and
#: signed variants are reads and writes too.
PERM_READ_BITS = 0x0007 | 0x0200
PERM_WRITE_BITS = 0x0070 | 0x0180 | 0x0400

#: The default table: the guide shows its first four rows (How_to_customize_BLE_services.rst, "Bluetooth LE
#: Service Source File") and the services and characteristics it yields in the 4.3 examples
#: (bluetooth_le_at_examples.rst: AT+BLEGATTSSRV? lists 0xA002 and 0xA003, AT+BLEGATTSCHAR? their ten
#: characteristics with properties and descriptors); the permissions, lengths and values of the other rows
#: are those of espressif/esp-at's components/customized_partitions/raw_data/ble_data/gatts_data.csv
#: (commit d5a2149d). That file goes on with a 0xFFF0 service the v5.0.0.0 guide's listings do not show:
#: left out. Rows: (uuid_len, uuid, perm, val_max_len, value as hex).
DEFAULT_ROWS: tuple[tuple[int, str, int, int, str], ...] = (
    (16, "0x2800", 0x01, 2, "A002"),
    (16, "0x2803", 0x01, 1, "02"),
    (16, "0xC300", 0x01, 1, "30"),
    (16, "0x2901", 0x11, 1, "30"),
    (16, "0x2803", 0x01, 1, "02"),
    (16, "0xC301", 0x01, 512, ""),
    (16, "0x2901", 0x11, 512, ""),
    (16, "0x2803", 0x01, 1, "08"),
    (16, "0xC302", 0x10, 1, "30"),
    (16, "0x2901", 0x01, 1, "01"),
    (16, "0x2803", 0x01, 1, "04"),
    (16, "0xC303", 0x10, 1, "30"),
    (16, "0x2901", 0x10, 1, "30"),
    (16, "0x2803", 0x01, 1, "08"),
    (16, "0xC304", 0x10, 512, ""),
    (16, "0x2803", 0x01, 1, "10"),
    (16, "0xC305", 0x01, 1, "00"),
    (16, "0x2902", 0x11, 2, "0000"),
    (16, "0x2803", 0x01, 1, "20"),
    (16, "0xC306", 0x01, 1, "00"),
    (16, "0x2902", 0x11, 2, "0000"),
    (16, "0x2803", 0x01, 1, "02"),
    (16, "0xC307", 0x01, 1, "30"),
    (16, "0x2901", 0x11, 256, "30"),
    (16, "0x2800", 0x01, 2, "A003"),
    (16, "0x2803", 0x01, 1, "02"),
    (16, "0xC400", 0x01, 1, "30"),
    (16, "0x2901", 0x11, 1, "30"),
    (16, "0x2803", 0x01, 1, "02"),
    (16, "0xC401", 0x01, 1, "30"),
    (16, "0x2901", 0x11, 256, "30"),
)


class TableError(ValueError):
    """A service table the rules above cannot read (a value row before any declaration, ...)."""


@dataclass
class Attr:
    """A characteristic value or a descriptor: its UUID text (``0xC300``), permissions, maximum length and
    current value."""

    uuid: str
    perm: int
    max_len: int
    value: bytearray

    @property
    def readable(self) -> bool:
        return bool(self.perm & PERM_READ_BITS)

    @property
    def writable(self) -> bool:
        return bool(self.perm & PERM_WRITE_BITS)


@dataclass
class Char:
    index: int
    prop: int
    attr: Attr
    descs: list[Attr] = field(default_factory=list)

    def desc(self, desc_index: int) -> Attr | None:
        return self.descs[desc_index - 1] if 1 <= desc_index <= len(self.descs) else None


@dataclass
class Service:
    index: int
    uuid: str
    primary: bool = True
    chars: list[Char] = field(default_factory=list)

    def char(self, char_index: int) -> Char | None:
        return self.chars[char_index - 1] if 1 <= char_index <= len(self.chars) else None


def uuid_text(uuid_len: int, raw: str) -> str:
    """``0x`` and the UUID's hex digits in upper case, as the guide prints them (0xA002, 0xC300)."""
    digits = raw[2:] if raw.lower().startswith("0x") else raw
    width = 4 if uuid_len == 16 else 32
    return "0x" + digits.upper().rjust(width, "0")


def build(rows: tuple[tuple[int, str, int, int, str], ...] = DEFAULT_ROWS) -> list[Service]:
    """The services of ``rows`` with their indexes (module docstring)."""
    services: list[Service] = []
    pending_prop: int | None = None
    for n, (uuid_len, raw, perm, max_len, value_hex) in enumerate(rows):
        kind = int(raw, 16) if uuid_len == 16 else None
        value = bytearray.fromhex(value_hex)
        if kind == PRIMARY_SERVICE:
            services.append(Service(len(services) + 1, uuid_text(len(value) * 8, value_hex)))
            pending_prop = None
            continue
        if not services:
            raise TableError(f"row {n}: {raw} before the first service declaration (0x2800)")
        service = services[-1]
        if kind == CHARACTERISTIC:
            pending_prop = value[0] if value else 0
            continue
        attr = Attr(uuid_text(uuid_len, raw), perm, max_len, value)
        if pending_prop is not None:
            service.chars.append(Char(len(service.chars) + 1, pending_prop, attr))
            pending_prop = None
        elif service.chars:
            service.chars[-1].descs.append(attr)
        else:
            raise TableError(f"row {n}: {raw} follows a service declaration with no characteristic")
    return services
