"""ParamSpec: the parameter types of the guide's chapter 3 and their checks on wire text."""

import pytest
import yaml

from spec.params import ParamError, ParamSpec, ParamType, escape, unescape

# AT+CWMODE <mode> (Wi-Fi AT commands, AT+CWMODE): 0 null, 1 station, 2 SoftAP, 3 SoftAP+station.
CWMODE = ParamSpec(name="mode", enum={0: "null", 1: "station", 2: "softap", 3: "softap+station"})
# AT+CWJAP <"ssid">: quoted string, at most 32 bytes.
SSID = ParamSpec(name="ssid", type=ParamType.STR, quoted=True, max_len=32)
# AT+CWJAP <reconn_interval>: 0 = no reconnection, [1,7200] seconds otherwise.
RECONN = ParamSpec(name="reconn_interval", enum={0: "no reconnection"}, range=[1, 7200], unit="second")
# AT+CIPSNTPCFG <timezone>: [-12,14] whole hours, or the HHMM form [-1200,1400].
TIMEZONE = ParamSpec(name="timezone", range=[[-12, 14], [-1200, 1400]])
# AT+CWLAPOPT <print mask>: bits 0..10, default 0x7FF.
PRINT_MASK = ParamSpec(
    name="print mask", type=ParamType.HEX, bits={i: f"bit{i}" for i in range(11)}, default=0x7FF
)


def test_enum_value_gives_its_label() -> None:
    result = CWMODE.validate("3")
    assert (result.value, result.label) == (3, "softap+station")


@pytest.mark.parametrize(
    ("spec", "text", "rule", "offset"),
    [
        (CWMODE, "4", "not in enum", 0),
        (CWMODE, "1a", "not an int", 1),
        (CWMODE, "", "not an int", 0),
        (SSID, "abc", "missing quote", 0),
        (SSID, '"abc', "missing quote", 4),
        (SSID, '"' + "x" * 33 + '"', "too long", 33),
        (RECONN, "7201", "out of range", 0),
        (TIMEZONE, "1401", "out of range", 0),
        (PRINT_MASK, "0x800", "out of range", 0),
        (ParamSpec(name="ip", type=ParamType.IP, quoted=True), '"192.168.4.256"', "not an IPv4 address", 1),
        (ParamSpec(name="mac", type=ParamType.MAC, quoted=True), '"24:0a:c4:00:01"', "not a MAC address", 15),
        (ParamSpec(name="value", type=ParamType.FLOAT, decimals=2), "21.5", "wrong precision", 4),
        (ParamSpec(name="enable", type=ParamType.BOOL), "2", "out of range", 0),
    ],
)
def test_bad_values_name_rule_and_offset(spec: ParamSpec, text: str, rule: str, offset: int) -> None:
    with pytest.raises(ParamError) as info:
        spec.validate(text)
    assert (info.value.rule, info.value.offset) == (rule, offset)
    assert spec.name in str(info.value)


@pytest.mark.parametrize(
    ("spec", "text", "value"),
    [
        (RECONN, "0", 0),
        (RECONN, "7200", 7200),
        (TIMEZONE, "-1100", -1100),
        (TIMEZONE, "8", 8),
        (PRINT_MASK, "0x7FF", 0x7FF),
        (PRINT_MASK, "1F", 0x1F),
        (ParamSpec(name="rssi", type=ParamType.INT), "-63", -63),
        (ParamSpec(name="ip", type=ParamType.IP, quoted=True), '"192.168.4.1"', "192.168.4.1"),
        (
            ParamSpec(name="ipv6 addr", type=ParamType.IPV6, quoted=True),
            '"fe80::260a:c4ff:fe00:1"',
            "fe80::260a:c4ff:fe00:1",
        ),
        (
            ParamSpec(name="bssid", type=ParamType.MAC, quoted=True),
            '"ca:d7:19:d8:a6:44"',
            "ca:d7:19:d8:a6:44",
        ),
        (ParamSpec(name="value", type=ParamType.FLOAT, decimals=2), "21.05", 21.05),
        (SSID, '""', ""),
        (SSID, '"a,b"c"', 'a,b"c'),  # responses print strings raw, commas and quotes included
    ],
)
def test_good_values(spec: ParamSpec, text: str, value: object) -> None:
    assert spec.validate(text).value == value


def test_command_syntax_escapes_are_resolved() -> None:
    # 3.1: \, \" and \\ escape; \<any> stands for <any>.
    assert SSID.validate(r'"a\,b\"c\\d\e"', escaped=True).value == 'a,b"c\\de'
    assert unescape(escape('x,"y\\')) == 'x,"y\\'


def test_unescaped_quote_in_command_syntax_is_rejected() -> None:
    with pytest.raises(ParamError) as info:
        SSID.validate('"a"b"', escaped=True)
    assert (info.value.rule, info.value.offset) == ("unescaped quote", 2)


def test_lone_backslash_is_rejected() -> None:
    with pytest.raises(ParamError, match="bad escape"):
        SSID.validate('"ab\\"', escaped=True)


@pytest.mark.parametrize("spec", [CWMODE, SSID, RECONN, TIMEZONE, PRINT_MASK])
def test_yaml_round_trip(spec: ParamSpec) -> None:
    text = yaml.safe_dump(spec.to_yaml_dict())
    assert ParamSpec.model_validate(yaml.safe_load(text)) == spec


def test_string_enum_keys_from_yaml_become_ints() -> None:
    assert ParamSpec.model_validate({"name": "x", "enum": {"0": "a", "1": "b"}}).enum == {0: "a", 1: "b"}


@pytest.mark.parametrize(
    "data",
    [
        {"name": "ssid", "type": "str", "range": [0, 1]},
        {"name": "mode", "range": [3, 1]},
        {"name": "mode", "enum": {"station": "x"}},
        {"name": "mode", "colour": "red"},
    ],
)
def test_inconsistent_specs_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="mode|ssid|colour|min > max"):
        ParamSpec.model_validate(data)


def test_yaml_keys_of_a_string_enum_stay_strings() -> None:
    # AT+CIPDINFO? answers +CIPDINFO:true or false; YAML would read those keys as booleans.
    spec = ParamSpec.model_validate(
        yaml.safe_load("{name: mode, type: str, enum: {true: shown, false: hidden}}")
    )
    assert spec.enum == {"true": "shown", "false": "hidden"}
    assert spec.validate("true").label == "shown"
    numeric = ParamSpec.model_validate(yaml.safe_load("{name: v, type: str, quoted: true, enum: {1: one}}"))
    assert numeric.validate('"1"').label == "one"
    numeric = ParamSpec.model_validate(yaml.safe_load("{name: v, type: str, quoted: true, enum: {1: one}}"))
    assert numeric.validate('"1"').label == "one"
