"""Throughput plots: measured payload rate against the AT port's baud rate, one figure per transport and
direction, a line per mode, with the line's physical ceiling drawn (baud x data bits / bits per frame);
below it the same points as fractions of the ceiling, where the limits and small losses show.

Pure logic over :class:`ThroughputPoint` records (the JSON the throughput suite records per test, property
:data:`PROPERTY`); matplotlib with the Agg backend, so it runs without a display. Called at the end of a run
by ``fixtures/throughput.py`` on the xdist controller; the files go to ``<out>/plots/`` where the report page
finds them (reports/run.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: The JUnit property one throughput point is recorded under (value: :meth:`ThroughputPoint.model_dump_json`).
PROPERTY = "esp_throughput"
PLOTS_DIR = "plots"

MODE_ORDER = ("passthrough", "cipsend", "cipsendl", "ipd", "ciprecvdata")


class ThroughputPoint(BaseModel):
    """One transfer: what was measured, at which line configuration, against which limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    test: str
    transport: str
    direction: str
    mode: str
    baud: int
    ceiling: float  # payload bytes/s the line carries at most
    value: float  # measured payload bytes/s (0 when the transfer failed before it could be timed)
    lower: float | None = None
    outcome: Literal["pass", "marginal", "fail", "error"]
    detail: str = ""


def load_points(lines: Iterable[str]) -> list[ThroughputPoint]:
    """Points from JSON texts (JUnit property values or a json-lines file); blank lines skipped."""
    return [ThroughputPoint.model_validate_json(text) for text in lines if text.strip()]


def baud_label(baud: int) -> str:
    """``115200``, ``921600``, ``2M``, ``5M``: how the ladder's rates read on an axis."""
    return f"{baud // 1_000_000}M" if baud % 1_000_000 == 0 else str(baud)


def build_plots(
    points: Sequence[ThroughputPoint], out_dir: Path, *, formats: Sequence[str] = ("png",)
) -> list[Path]:
    """One figure per (transport, direction) with points; returns the files written, in a stable order."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FixedFormatter, FixedLocator, FuncFormatter, NullLocator

    out_dir.mkdir(parents=True, exist_ok=True)
    groups: dict[tuple[str, str], list[ThroughputPoint]] = {}
    for p in points:
        groups.setdefault((p.transport, p.direction), []).append(p)
    written: list[Path] = []
    for (transport, direction), pts in sorted(groups.items()):
        fig, (ax, frac) = plt.subplots(
            2, 1, figsize=(7.5, 7.0), dpi=100, sharex=True, gridspec_kw={"height_ratios": [3, 2]}
        )
        ceiling = sorted({(p.baud, p.ceiling) for p in pts})
        bauds = [b for b, _ in ceiling]
        ax.plot(bauds, [c / 1e3 for _, c in ceiling], "k--", linewidth=1, label="line-rate ceiling")
        frac.plot(bauds, [1.0] * len(bauds), "k--", linewidth=1)
        modes = sorted({p.mode for p in pts}, key=lambda m: (MODE_ORDER + (m,)).index(m))
        for mode in modes:
            mp = sorted((p for p in pts if p.mode == mode), key=lambda p: p.baud)
            x = [p.baud for p in mp]
            (line,) = ax.plot(x, [p.value / 1e3 for p in mp], "o-", label=mode)
            frac.plot(x, [p.value / p.ceiling for p in mp], "o-", color=line.get_color())
            bad = [p for p in mp if p.outcome in ("fail", "error")]
            if bad:
                ax.plot([p.baud for p in bad], [p.value / 1e3 for p in bad], "x", color="red", markersize=10)
                frac.plot(
                    [p.baud for p in bad], [p.value / p.ceiling for p in bad], "x", color="red", markersize=10
                )
            limits = [p for p in mp if p.lower is not None]
            if limits:
                style = {"color": line.get_color(), "linewidth": 1}
                ax.plot([p.baud for p in limits], [(p.lower or 0) / 1e3 for p in limits], ":", **style)
                frac.plot(
                    [p.baud for p in limits], [(p.lower or 0) / p.ceiling for p in limits], ":", **style
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(bauds))
        ax.xaxis.set_major_formatter(FixedFormatter([baud_label(b) for b in bauds]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
        ax.set_ylabel("payload throughput (kB/s)")
        ax.set_title(f"{transport.upper()} {direction}  (dotted: lower limits; x: failed)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
        low = min([0.5] + [p.value / p.ceiling for p in pts] + [(p.lower or 1) / p.ceiling for p in pts])
        frac.set_ylim(max(low - 0.05, 0.0), 1.05)
        frac.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0%}"))
        frac.set_ylabel("fraction of the ceiling")
        frac.set_xlabel("AT port baud rate (AT+UART_CUR)")
        frac.grid(True, alpha=0.3)
        fig.tight_layout()
        for fmt in formats:
            path = out_dir / f"throughput-{transport}-{direction}.{fmt}"
            fig.savefig(path, format=fmt)
            written.append(path)
        plt.close(fig)
    return written
