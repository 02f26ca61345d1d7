"""Firmware profiles of custom builds (sim/profile.py ``extends``): a build lists only what differs from its
release's default build, and the default build keeps out what the guide says it leaves out."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.profile import PROFILES_DIR, ProfileError, load_profile, merge_profile_data

#: the command sets the guide says the default firmware leaves out, by the section that says so
OPTIONAL = {
    "3.2.27": ["AT+CWJEAP"],
    "3.8": ["AT+FS", "AT+FSMOUNT"],
    "3.9": ["AT+WSCFG", "AT+WSHEAD", "AT+WSOPEN", "AT+WSSEND", "AT+WSCLOSE"],
    "3.13": ["AT+WEBSERVER"],
    "3.12": [
        "AT+DRVADC", "AT+DRVPWMINIT", "AT+DRVPWMDUTY", "AT+DRVPWMFADE", "AT+DRVI2CINIT", "AT+DRVI2CRD",
        "AT+DRVI2CWRDATA", "AT+DRVI2CWRBYTES", "AT+DRVSPICONFGPIO", "AT+DRVSPIINIT", "AT+DRVSPIRD", "AT+DRVSPIWR",
    ],
}  # fmt: skip


def test_merging_keeps_the_base_and_replaces_what_the_build_changes() -> None:
    base = {
        "chip": "ESP32",
        "uart": {"baud": 115200, "flow": 0},
        "commands": {"disabled": ["AT+FS", "AT+WSCFG"]},
    }
    out = merge_profile_data(base, {"uart": {"flow": 3}, "commands": {"disabled": []}})
    assert out == {"chip": "ESP32", "uart": {"baud": 115200, "flow": 3}, "commands": {"disabled": []}}
    assert base["commands"]["disabled"] == ["AT+FS", "AT+WSCFG"]  # the base is not changed


def test_the_default_build_leaves_out_every_optional_command_set() -> None:
    default = load_profile("v5.0.0.0-esp32")
    for section, commands in OPTIONAL.items():
        for command in commands:
            assert not default.has_command(command), f"{command} ({section}) is in the default build"


@pytest.mark.parametrize(
    ("profile", "switched_on"),
    [
        ("v5.0.0.0-esp32-fs", ["3.8"]),
        ("v5.0.0.0-esp32-ws", ["3.9"]),
        ("v5.0.0.0-esp32-web", ["3.13"]),
        ("v5.0.0.0-esp32-wpa2-enterprise", ["3.2.27"]),
        ("v5.0.0.0-esp32-driver", ["3.12"]),
        ("v5.0.0.0-esp32-qualification", ["3.8", "3.9", "3.13", "3.12"]),
    ],
)
def test_a_custom_build_is_the_default_with_its_switches_on(profile: str, switched_on: list[str]) -> None:
    default = load_profile("v5.0.0.0-esp32")
    build = load_profile(profile)
    for section, commands in OPTIONAL.items():
        for command in commands:
            assert build.has_command(command) is (section in switched_on), (profile, command)
    same = {
        "chip",
        "at_version",
        "gmr",
        "module_name",
        "uart",
        "heap",
        "rfpower",
        "ota",
        "partitions",
        "tcpip",
    }
    assert {k: getattr(build, k) for k in same} == {k: getattr(default, k) for k in same}


def test_extends_errors_name_the_file_and_the_chain(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(f"extends: {b}\n")
    b.write_text(f"extends: {a}\n")
    with pytest.raises(ProfileError, match="goes round in a circle"):
        load_profile(str(a))
    a.write_text("extends: no-such-release\n")
    with pytest.raises(ProfileError, match=r"a\.yaml: extends no-such-release: .*profile not found"):
        load_profile(str(a))
    a.write_text("extends: [v5.0.0.0-esp32]\n")
    with pytest.raises(ProfileError, match="field extends: expected a profile name"):
        load_profile(str(a))
    a.write_text(f"extends: {PROFILES_DIR / 'v5.0.0.0-esp32.yaml'}\nchipp: ESP32\n")
    with pytest.raises(ProfileError, match="field chipp"):
        load_profile(str(a))
