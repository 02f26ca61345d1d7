"""Limits measurements are judged against and the timeouts tests use, per rig."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rigs.model.fields import Baud, Fraction, Seconds, StrictModel, number_in

#: What the throughput suite measures: ``<transport>-<direction>-<mode>`` (suites/throughput/README.md).
#: Upload is host -> board -> peer, download peer -> board -> host; the modes are the guide's ways of moving
#: data: Wi-Fi passthrough (3.3.8 AT+CIPSEND execute form), AT+CIPSEND / AT+CIPSENDL in normal transmission
#: mode, active ``+IPD`` and passive AT+CIPRECVDATA (3.3.35) receive.
TRANSPORTS: tuple[str, ...] = ("tcp", "udp", "ssl")
MODES: dict[str, tuple[str, ...]] = {
    "upload": ("passthrough", "cipsend", "cipsendl"),
    "download": ("passthrough", "ipd", "ciprecvdata"),
}


#: The client protocols measured on the same ladder (suites/throughput/test_app_throughput.py): the board
#: publishes (3.6.10 AT+MQTTPUB, 3.6.11 AT+MQTTPUBRAW) and receives ``+MQTTSUBRECV`` (3.6.12); it downloads a
#: body with AT+HTTPCLIENT (3.7.2) or AT+HTTPCGET (3.7.4).
APP_MODES: dict[str, dict[str, tuple[str, ...]]] = {
    "mqtt": {"upload": ("pub", "pubraw"), "download": ("subrecv",)},
    "http": {"download": ("httpclient", "httpcget")},
}


#: Bluetooth passthrough measured on the same ladder (suites/throughput/test_bt_throughput.py): Bluetooth LE
#: SPP (3.4.32 AT+BLESPP) with the board as GATT ``server`` (4.3.6) or ``client`` (4.3.5), and Classic
#: Bluetooth SPP passthrough (3.5.9 AT+BTSPPSEND, 4.10.2).
SPP_MODES: dict[str, dict[str, tuple[str, ...]]] = {
    "ble": {"upload": ("server", "client"), "download": ("server", "client")},
    "bt": {"upload": ("passthrough",), "download": ("passthrough",)},
}


def throughput_name(transport: str, direction: str, mode: str) -> str:
    """The measurement name a throughput test records and a rig keys its limits by."""
    return f"{transport}-{direction}-{mode}"


def _known_keys() -> frozenset[str]:
    keys: set[str] = set(TRANSPORTS)
    for t in TRANSPORTS:
        for d, modes in MODES.items():
            keys.add(f"{t}-{d}")
            keys.update(throughput_name(t, d, m) for m in modes)
    for t, directions in (APP_MODES | SPP_MODES).items():
        keys.add(t)
        for d, modes in directions.items():
            keys.add(f"{t}-{d}")
            keys.update(throughput_name(t, d, m) for m in modes)
    return frozenset(keys)


class Published(StrictModel):
    """A rate a document publishes for one measurement at one baud rate (the guide's FAQ gives Bluetooth
    and Bluetooth LE figures at 2000000 baud): at that rate the lower limit is this absolute figure instead
    of a fraction of the line. ``bps``: payload bits per second, as the guide states them (0.101 Mbps ->
    101000); ``marginal_band``: a fraction of the figure; ``source``: where the figure is published."""

    baud: Baud
    bps: Annotated[float, number_in(1.0, 50_000_000.0, "bits per second")]
    marginal_band: Fraction = 0.0
    source: Annotated[str, Field(min_length=1)]

    @property
    def rate(self) -> float:
        """The figure in payload bytes per second, the unit measurements are recorded in."""
        return self.bps / 8


class Limit(StrictModel):
    """A lower limit on a measured fraction of line rate with a marginal band above it, as OpenHTF
    measurements have: below ``min_fraction`` fails, within ``marginal_band`` above it is marginal
    (judged by reports.measurements.Limits.of_line_rate, the one place measurements are judged). At the
    baud rate of a ``published`` figure that figure is the limit (:meth:`at`)."""

    min_fraction: Fraction
    marginal_band: Fraction = 0.0
    published: Published | None = None

    def at(self, baud: int, ceiling: float) -> tuple[float, float]:
        """``(lower, marginal band)`` in bytes per second for a line of ``baud`` carrying ``ceiling`` bytes
        per second at most: the published figure at its own baud rate, else the fraction of the line."""
        p = self.published
        if p is not None and p.baud == baud:
            return p.rate, p.rate * p.marginal_band
        return ceiling * self.min_fraction, ceiling * self.marginal_band


class HostStalls(StrictModel):
    """Sim rigs only: the time this host did not run its own processes during a transfer, measured
    alongside it by a probe thread, is not held against the board (suites/throughput/stalls.py)."""

    #: The probe sleeps ``tick`` and counts a wake-up later than ``grace`` as a stall of that length.
    tick: Annotated[float, number_in(0.0001, 0.01, "seconds")] = 0.0005
    grace: Annotated[float, number_in(0.0001, 0.01, "seconds")] = 0.0005
    #: Processes of this host a transfer waits on in turn (the suite's and the simulator's): the probe
    #: sees one of them, the simulator is starved alike.
    processes: Annotated[int, Field(ge=1, le=4)] = 2
    #: At most this share of a transfer's span is forgiven; a host busier than that judges as measured.
    max_share: Fraction = 0.3


class ThroughputTargets(StrictModel):
    default: Limit = Limit(min_fraction=0.5, marginal_band=0.1)
    #: Overrides keyed by measurement name (``tcp-upload-passthrough``) or a prefix of one (``tcp-upload``,
    #: ``tcp``); the longest key that matches wins, then ``default``.
    measurements: dict[str, Limit] = Field(default_factory=dict)
    #: The ladder of AT+UART_CUR rates (3.1.10) the throughput suite measures at; empty: the board's own.
    bauds: list[Baud] = Field(default_factory=list)
    #: Ladders of their own for some transports (``ble``, ``bt``), in place of ``bauds``: where the rig's
    #: link, not the UART, is the bottleneck above some rate (rigs/sim.yaml says why for the sim).
    transport_bauds: dict[str, list[Baud]] = Field(default_factory=dict)
    #: Line time each transfer takes at the full line rate: transfer sizes scale with the baud rate.
    transfer_seconds: Annotated[float, number_in(0.1, 60.0, "seconds")] = 2.0
    #: Largest fraction of UDP datagrams a transfer may lose (UDP has no retransmission); reordering is
    #: reported, not judged.
    udp_max_loss: Fraction = 0.0
    #: How many times a transfer whose rate came out below its limit is measured again before the verdict
    #: (every attempt is kept; the last one decides, as reports.measurements says). A bench keeps 0: its
    #: limit is a hard one. A simulated board's UART is paced by the host, so a busy host can slow one
    #: transfer; a board really below its limit fails every attempt.
    retries: Annotated[int, Field(ge=0, le=5)] = 0
    #: None (a bench): hard limits. Set on a rig of simulated boards only (rigs/model/rig.py checks).
    host_stalls: HostStalls | None = None

    @field_validator("measurements")
    @classmethod
    def _names(cls, value: dict[str, Limit]) -> dict[str, Limit]:
        unknown = sorted(set(value) - _known_keys())
        if unknown:
            raise PydanticCustomError(
                "throughput_name",
                "unknown throughput measurement {names}: expected <transport>[-<direction>[-<mode>]] with "
                "transport {transports}, direction upload or download, upload modes {up}, download modes "
                "{down}; or one of {apps}",
                {
                    "names": ", ".join(unknown),
                    "transports": "|".join(TRANSPORTS),
                    "up": "|".join(MODES["upload"]),
                    "down": "|".join(MODES["download"]),
                    "apps": ", ".join(
                        throughput_name(t, d, m)
                        for t, ds in (APP_MODES | SPP_MODES).items()
                        for d, ms in ds.items()
                        for m in ms
                    ),
                },
            )
        return value

    @field_validator("bauds")
    @classmethod
    def _ladder(cls, value: list[int]) -> list[int]:
        return _unique_sorted(value)

    @field_validator("transport_bauds")
    @classmethod
    def _ladders(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        known = (*TRANSPORTS, *APP_MODES, *SPP_MODES)
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise PydanticCustomError(
                "throughput_transport",
                "unknown transport {names}: expected one of {known}",
                {"names": ", ".join(unknown), "known": ", ".join(known)},
            )
        empty = sorted(t for t, ladder in value.items() if not ladder)
        if empty:
            raise PydanticCustomError(
                "baud_ladder", "the ladder of {t} is empty: list its baud rates or leave it out", {"t": empty}
            )
        return {t: _unique_sorted(ladder) for t, ladder in value.items()}

    @model_validator(mode="after")
    def _published_on_the_ladder(self) -> ThroughputTargets:
        """A published figure judges only at its baud rate: a ladder without that rate would never use it."""
        for name, limit in self.measurements.items():
            p = limit.published
            ladder = self.transport_bauds.get(name.split("-")[0]) or self.bauds
            if p is not None and ladder and p.baud not in ladder:
                raise PydanticCustomError(
                    "published_baud",
                    "{name}: the published figure is for {baud} baud, which the ladder {ladder} does not "
                    "measure at: add the rate or drop the figure",
                    {"name": name, "baud": p.baud, "ladder": ladder},
                )
        return self

    def limit(self, measurement: str) -> Limit:
        parts = measurement.split("-")
        for n in range(len(parts), 0, -1):
            found = self.measurements.get("-".join(parts[:n]))
            if found is not None:
                return found
        return self.default

    def ladder(self, board_baud: int, transport: str | None = None) -> list[int]:
        """The rates to measure at: the transport's own ladder, else the rig's, else the board's rate."""
        own = self.transport_bauds.get(transport or "")
        return list(own or self.bauds) or [board_baud]


def _unique_sorted(value: list[int]) -> list[int]:
    repeated = sorted({b for b in value if value.count(b) > 1})
    if repeated:
        raise PydanticCustomError(
            "baud_ladder", "each baud rate may be listed once; repeated: {r}", {"r": repeated}
        )
    return sorted(value)


class Timeouts(StrictModel):
    command: Seconds = 5.0  # an ordinary command's final result
    connect: Seconds = 10.0  # AT+CIPSTART and other outgoing connections
    join: Seconds = 20.0  # AT+CWJAP until WIFI GOT IP
    ready: Seconds = 10.0  # ``ready`` after a reset


class Targets(StrictModel):
    throughput: ThroughputTargets = ThroughputTargets()
    timeouts: Timeouts = Timeouts()
