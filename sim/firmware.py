"""Which firmware a simulated board boots: the one it was started with (``--profile``), until something is
written to its flash through the ROM loader (sim/rom/); from then on the app image in flash names it.

The second-stage bootloader runs the app at the running app address (the profile's ``ota.running_app_addr``,
0x100000 in ESP-AT's factory layout, Get_Started/Downloading_guide.rst). Its image header says which chip it
was built for and its ``esp_app_desc_t`` (sim/rom/image.py) which program and version it is:

- ``project_name`` is ``esp-at`` for every ESP-AT build (espressif/esp-at CMakeLists.txt:
  ``project(esp-at)``);
- ``version`` is the build's version, ``git describe`` of esp-at when the project sets none: a release tag
  such as ``v4.1.1.0``, perhaps followed by ``-<commits>-g<hash>`` and ``-dirty``.

The persona is ``sim/profiles/<release>-<chip>.yaml`` for such a version. A custom build of a release
(the profile files ``<release>-<chip>-<variant>.yaml``, e.g. the qualification build) says so with
``<release>-<variant>`` as its version, which is how :func:`app_version` names it for the suite's test
images. An app it cannot name (another project, a version naming no release or variant the simulator has,
another chip, an erased or broken header) does not boot: the bootloader's error goes to the log port and
the AT port stays silent, as a real board with no bootable app. It never falls back to some other firmware.
"""

from __future__ import annotations

import re

from sim.profile import PROFILES_DIR, Profile, ProfileError, load_profile
from sim.rom.image import APP_DESC_OFFSET, APP_DESC_SIZE, CHIP_IDS, AppDescriptor, ImageError, parse_app
from sim.rom.spiflash import SpiFlash

PROJECT_NAME = "esp-at"
_VERSION = re.compile(r"(v\d+\.\d+\.\d+\.\d+)(?:-(.+))?")
#: what ``git describe`` appends to a tag: commits since it and the hash, a dirty tree
_DESCRIBE = re.compile(r"(?:\d+-g[0-9a-f]+)?(?:-?dirty)?")


class BootFailure(Exception):
    """The bootloader finds nothing it can run; ``lines`` are what it logs."""

    def __init__(self, *lines: str) -> None:
        super().__init__(" / ".join(lines))
        self.lines = list(lines)


def _known(name: str) -> bool:
    return (PROFILES_DIR / f"{name}.yaml").is_file()


def persona_name(desc: AppDescriptor, chip: str) -> str:
    """The profile an app descriptor names (:class:`BootFailure` when it names none)."""
    if desc.project_name != PROJECT_NAME:
        raise BootFailure(
            f"E (310) boot: app project_name {desc.project_name!r} is not {PROJECT_NAME!r}: the simulator "
            "runs ESP-AT only"
        )
    m = _VERSION.fullmatch(desc.version)
    if m is None:
        raise BootFailure(
            f"E (310) boot: app version {desc.version!r} names no ESP-AT release (expected vA.B.C.D[-...])"
        )
    release, rest = m.group(1), m.group(2) or ""
    if rest and _known(f"{release}-{chip}-{rest}"):
        return f"{release}-{chip}-{rest}"
    if _known(f"{release}-{chip}") and _DESCRIBE.fullmatch(rest):
        return f"{release}-{chip}"
    releases = sorted(p.stem for p in PROFILES_DIR.glob(f"*-{chip}*.yaml"))
    raise BootFailure(
        f"E (310) boot: app version {desc.version!r} names no simulated firmware "
        f"(known: {', '.join(releases)})"
    )


def app_version(profile_name: str) -> str:
    """The app descriptor ``version`` that boots ``profile_name`` (the inverse of :func:`persona_name`)."""
    m = re.fullmatch(r"(v\d+\.\d+\.\d+\.\d+)-([a-z0-9]+)(?:-(.+))?", profile_name)
    if m is None or not _known(profile_name):
        raise ValueError(
            f"{profile_name!r} is not a profile in {PROFILES_DIR} named <release>-<chip>[-<variant>]"
        )
    release, _chip, variant = m.groups()
    return f"{release}-{variant}" if variant else release


def flashed_profile(flash: SpiFlash, launch: Profile) -> Profile | None:
    """The persona the flash boots; None when nothing was ever flashed (the launch firmware runs)."""
    if not flash.written:
        return None
    at = launch.ota.running_app_addr
    data = flash.read(at, APP_DESC_OFFSET + APP_DESC_SIZE)
    try:
        app = parse_app(data)
    except ImageError as exc:
        nothing = " (nothing flashed here?)" if data[:4] == b"\xff" * 4 else ""
        raise BootFailure(
            f"E (302) esp_image: image at {at:#x}: {exc}{nothing}",
            "E (310) boot: No bootable app partitions in the partition table",
        ) from None
    chip = CHIP_IDS.get(app.chip_id)
    if chip is None or chip != launch.chip.lower():
        expected = next((cid for cid, name in CHIP_IDS.items() if name == launch.chip.lower()), "?")
        raise BootFailure(
            f"E (302) boot_comm: mismatch chip ID, expected {expected}, found {app.chip_id}",
            "E (310) boot: No bootable app partitions in the partition table",
        )
    name = persona_name(app.desc, chip)
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise BootFailure(f"E (310) boot: {exc}") from None
