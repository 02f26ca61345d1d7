"""Limits measurements are judged against and the timeouts tests use, per rig."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rigs.model.fields import Fraction, Seconds, StrictModel


class Limit(StrictModel):
    """A lower limit on a measured fraction of line rate with a marginal band above it, as OpenHTF
    measurements have: below ``min_fraction`` fails, within ``marginal_band`` above it is marginal."""

    min_fraction: Fraction
    marginal_band: Fraction = 0.0

    def judge(self, fraction: float) -> Literal["pass", "marginal", "fail"]:
        if fraction < self.min_fraction:
            return "fail"
        if fraction < self.min_fraction + self.marginal_band:
            return "marginal"
        return "pass"


class ThroughputTargets(StrictModel):
    default: Limit = Limit(min_fraction=0.5, marginal_band=0.1)
    #: Per-measurement overrides keyed by measurement name (e.g. ``tcp-send-passthrough``).
    measurements: dict[str, Limit] = Field(default_factory=dict)

    def limit(self, measurement: str) -> Limit:
        return self.measurements.get(measurement, self.default)


class Timeouts(StrictModel):
    command: Seconds = 5.0  # an ordinary command's final result
    connect: Seconds = 10.0  # AT+CIPSTART and other outgoing connections
    join: Seconds = 20.0  # AT+CWJAP until WIFI GOT IP
    ready: Seconds = 10.0  # ``ready`` after a reset


class Targets(StrictModel):
    throughput: ThroughputTargets = ThroughputTargets()
    timeouts: Timeouts = Timeouts()
