"""Whether a session's reports agree with what the test did (issue 13, point 3): links and the station.

:class:`ReportState` follows the commands a test sent (:class:`Sent`, with the final result each got,
:class:`Result`) and the reports that came (:class:`spec.urc_check.Report`), in order, and says where they
disagree (a :class:`spec.urc_check.UrcFinding`):

- ``[<link_id>,]CONNECT`` / ``CLOSED`` / ``+IPD`` carry a link ID exactly when AT+CIPMUX=1 (3.17), in range
  (0~4, 3.3 AT+CIPSTART), and the ``+IPD`` form is the one AT+CIPDINFO and AT+CIPRECVTYPE select (3.17);
- a second CONNECT for a link with no CLOSED between, a CLOSED for a link that is not connected (except
  the CLOSED real boards print for a connection attempt that failed), ``+IPD`` for a link that is not
  connected;
- AT+CIPSTART answered OK reports its CONNECT first, AT+CIPCLOSE=<link_id> answered OK its CLOSED
  (3.3 AT+CIPSTART, AT+CIPCLOSE: the report is part of the response), AT+CWJAP answered OK its
  WIFI CONNECTED and WIFI GOT IP (3.2 AT+CWJAP);
- ``WIFI GOT IP`` only after ``WIFI CONNECTED`` (3.17; 3.2 AT+CWJAP's response);
- on the soft-AP, ``+STA_CONNECTED`` once per station until its ``+STA_DISCONNECTED``, and
  ``+DIST_STA_IP`` / ``+STA_DISCONNECTED`` only for a station that connected (3.17).

What the board was doing before the first step is unknown (an earlier test may have left links open), so a
state is only judged once the steps have made it known: ``ready`` (a restart closes every link and the
station), AT+CIPMUX changing the mode (3.3: "only after all connections are disconnected"), a report.
While AT+SYSMSGFILTER=1 filters the port (3.1), a report that does not come is not missed: the filters may
have removed it.
Pure logic: no I/O, no pytest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spec.urc_check import Report, UrcFinding, allowed, form_of

__all__ = ["ReportState", "Result", "Sent", "Step", "check_state"]

#: 3.3 AT+CIPSTART <link ID>: 0~4 (AT_SOCKET_MAX_CONN_NUM, default 5).
MAX_LINKS = 5
_ALL_LINKS = 5  # AT+CIPCLOSE=5 closes every link (3.3 AT+CIPCLOSE)


@dataclass(frozen=True, slots=True)
class Sent:
    """A command line the test sent (without CR LF)."""

    line: str
    index: int = 0


@dataclass(frozen=True, slots=True)
class Result:
    """A final result the board printed (the one after a :class:`Sent` is that command's)."""

    final: str
    index: int = 0


Step = Sent | Result | Report

_SET = re.compile(r"AT\+([A-Z0-9_]+)=(.*)$")
#: set commands after which the soft-AP's stations are not known (3.2: they change or restart the soft-AP)
_SOFTAP_RESETS = frozenset({"CWMODE", "CWSAP", "CWQIF", "CWDHCPS", "CWDHCP", "CIPAP", "CIPAPMAC"})
_LINK_KINDS = ("CONNECT", "CLOSED")


@dataclass(slots=True)
class ReportState:
    """The links and the station as the steps so far make them known (None: not known)."""

    mux: int | None = None
    cipdinfo: int | None = None
    recvtype: dict[int | None, int] = field(default_factory=dict)
    #: link (None in single connection mode) -> connected; a link not listed is unknown unless
    #: ``links_known`` (then it is closed)
    links: dict[int | None, bool] = field(default_factory=dict)
    links_known: bool = False
    #: "disconnected", "connected", "got ip", or None
    station: str | None = None
    #: the soft-AP's stations by MAC (lower case) -> associated; a MAC not listed is unknown unless
    #: ``stations_known`` (then it is not associated)
    stations: dict[str, bool] = field(default_factory=dict)
    stations_known: bool = False
    pending: Sent | None = None
    #: AT+SYSMSGFILTER=1 (3.1): the board drops what the test's filters match, so no report is expected
    filtering: bool = False
    #: links (None: any) whose AT+CIPSTART failed: real boards print <link_id>,CLOSED after the ERROR
    failed_starts: set[int | None] = field(default_factory=set)
    seen_during: list[Report] = field(default_factory=list)
    findings: list[UrcFinding] = field(default_factory=list)

    # --- feeding ---

    def feed(self, step: Step, allow: Sequence[str] = ()) -> None:
        if isinstance(step, Sent):
            self.pending, self.seen_during = step, []
        elif isinstance(step, Result):
            if self.pending is not None:
                self._command_done(self.pending.line, step.final)
            self.pending, self.seen_during = None, []
        else:
            if self.pending is not None:
                self.seen_during.append(step)
            if not allowed(step, allow):
                self._report(step)

    # --- commands ---

    def _command_done(self, line: str, final: str) -> None:
        name, args = _parse(line)
        if final != "OK":
            if name in ("CIPSTART", "CIPSTARTEX"):
                self.failed_starts.add(_start_link(name, args))
            return
        if name == "CIPMUX" and args and args[0] in ("0", "1"):
            mux = int(args[0])
            if self.mux is not None and self.mux != mux:
                self._all_closed()  # 3.3 AT+CIPMUX: changed only with no connection
            self.mux = mux
        elif name == "SYSMSGFILTER" and args and args[0] in ("0", "1"):
            self.filtering = args[0] == "1"
        elif name == "CIPDINFO" and args and args[0] in ("0", "1"):
            self.cipdinfo = int(args[0])
        elif name == "CIPRECVTYPE" and args:
            if len(args) == 1 and args[0] in ("0", "1"):
                self.recvtype = {None: int(args[0])}
            elif len(args) == 2 and args[0].isdigit() and args[1] in ("0", "1"):
                self.recvtype[int(args[0])] = int(args[1])
        elif name in ("CIPSTART", "CIPSTARTEX"):
            if not any(r.kind in ("CONNECT", "+LINK_CONN") for r in self.seen_during):
                self._finding(
                    "CONNECT",
                    "3.3 AT+CIPSTART: the response reports [<link_id>,]CONNECT before OK",
                    f"{line!r} answered OK without reporting CONNECT",
                    None,
                )
        elif name == "CIPCLOSE" and args and args[0].isdigit() and int(args[0]) != _ALL_LINKS:
            link = int(args[0])
            if not any(r.kind == "CLOSED" and _link_of(r) == link for r in self.seen_during):
                self._finding(
                    "CLOSED",
                    "3.3 AT+CIPCLOSE: the response reports <link_id>,CLOSED before OK",
                    f"{line!r} answered OK without reporting {link},CLOSED",
                    None,
                )
            self.links[link] = False
        elif line.strip() == "AT+CWQAP":
            self.station = "disconnected"
        elif name in _SOFTAP_RESETS or line.strip() in ("AT+CWQIF",):
            # the soft-AP's stations may leave without a report (mode change, new configuration)
            self.stations, self.stations_known = {}, False
        elif name == "CWJAP" or line.strip() == "AT+CWJAP":
            kinds = [r.kind for r in self.seen_during]
            missing = [k for k in ("WIFI CONNECTED", "WIFI GOT IP") if k not in kinds]
            if missing:
                self._finding(
                    missing[0],
                    "3.2 AT+CWJAP: the response reports WIFI CONNECTED and WIFI GOT IP before OK",
                    f"{line!r} answered OK without reporting {' and '.join(missing)}",
                    None,
                )

    def _all_closed(self) -> None:
        self.links = {}
        self.links_known = True

    # --- reports ---

    def _report(self, r: Report) -> None:
        if r.kind == "ready":
            # 3.1 AT+RST: a restart; no link survives it and AT+CIPMUX, AT+CIPDINFO, AT+CIPRECVTYPE take
            # their defaults again (none of them is saved in flash)
            self._all_closed()
            self.mux, self.cipdinfo, self.recvtype = 0, 0, {}
            self.filtering = False
            self.station = "disconnected"
            self.stations, self.stations_known = {}, True
            self.pending = None
        elif r.kind in _LINK_KINDS or (r.kind == "+LINK_CONN" and r.fields[:1] == ("0",)):
            self._link_report(r)
        elif r.kind == "+IPD":
            self._ipd(r)
        elif r.kind == "WIFI CONNECTED":
            self.station = "connected"
        elif r.kind == "WIFI GOT IP":
            if self.station == "disconnected":
                self._finding(
                    "WIFI GOT IP",
                    "3.17, 3.2 AT+CWJAP: WIFI GOT IP follows WIFI CONNECTED",
                    "WIFI GOT IP while the station was not connected (no WIFI CONNECTED since it was "
                    "last disconnected)",
                    r,
                )
            self.station = "got ip"
        elif r.kind == "WIFI DISCONNECT":
            self.station = "disconnected"
        elif r.kind in ("+STA_CONNECTED", "+DIST_STA_IP", "+STA_DISCONNECTED") and r.fields:
            self._softap_station(r)

    def _softap_station(self, r: Report) -> None:
        mac = r.fields[0].lower()
        state = self.stations.get(mac, False if self.stations_known else None)
        if r.kind == "+STA_CONNECTED":
            if state is True:
                self._finding(
                    r.kind,
                    "3.17: a station is reported connected once until +STA_DISCONNECTED",
                    f"{r.text!r} for a station already connected",
                    r,
                )
            self.stations[mac] = True
        elif state is False:
            what = "got an address" if r.kind == "+DIST_STA_IP" else "left"
            self._finding(
                r.kind,
                "3.17: +DIST_STA_IP and +STA_DISCONNECTED follow the station's +STA_CONNECTED",
                f"{r.text!r}: a station {what} that was not connected (no +STA_CONNECTED for it)",
                r,
            )
        if r.kind == "+STA_DISCONNECTED":
            self.stations[mac] = False

    def _link_report(self, r: Report) -> None:
        name = "CONNECT" if r.kind == "+LINK_CONN" else r.kind
        link = _link_of(r)
        if r.kind != "+LINK_CONN" and not self._link_id_form(r, link):
            return
        key = link if self.mux != 0 else None
        state = self.links.get(key, False if self.links_known else None)
        shown = f"{link}," if link is not None else ""
        if name == "CONNECT":
            if state is True:
                self._finding(
                    "CONNECT",
                    "3.17: a link is reported connected once until its CLOSED",
                    f"{shown}CONNECT for a link already connected (no CLOSED since its CONNECT)",
                    r,
                )
            self.links[key] = True
        else:
            if state is False and not self._closing_a_failed_start(link):
                self._finding(
                    "CLOSED",
                    "3.17: CLOSED ends a connected link",
                    f"{shown}CLOSED for a link that was not connected",
                    r,
                )
            self.links[key] = False

    def _closing_a_failed_start(self, link: int | None) -> bool:
        # A connection attempt that failed is reported closed, after its ERROR or during the command:
        # "AT+CIPSTART=1,"TCP",...  ERROR  1,CLOSED" (real board, atlas-aero/rt-esp-at-nal#10).
        pending = _parse(self.pending.line) if self.pending is not None else (None, [])
        starting = {_start_link(*pending)} if pending[0] in ("CIPSTART", "CIPSTARTEX") else set()
        for key in (link, None):
            if key in self.failed_starts or key in starting:
                self.failed_starts.discard(key)
                return True
        return False

    def _link_id_form(self, r: Report, link: int | None) -> bool:
        if self.mux == 1 and link is None:
            self._finding(
                r.kind,
                "3.17: with AT+CIPMUX=1 the report starts with the link ID",
                f"{r.text!r} without a link ID while AT+CIPMUX=1",
                r,
            )
            return False
        if self.mux == 0 and link is not None:
            self._finding(
                r.kind,
                "3.17: with AT+CIPMUX=0 the report carries no link ID",
                f"{r.text!r} with a link ID while AT+CIPMUX=0",
                r,
            )
            return False
        return True

    def _ipd(self, r: Report) -> None:
        u, _ = form_of(r)
        if u is None:
            return  # the template check reports it
        link = _link_of(r) if "link_id" in u.fields else None
        if not self._link_id_form(r, link):
            return
        passive = r.data_length is None
        recvtype = self.recvtype.get(link, self.recvtype.get(None))
        if recvtype is not None and recvtype != int(passive):
            mode = "passive" if recvtype else "active"
            self._finding(
                "+IPD",
                "3.17 +IPD, 3.3 AT+CIPRECVTYPE: the form follows the receive mode",
                f"{r.text!r} is the {'passive' if passive else 'active'} form, but the link is in {mode} "
                "receive mode",
                r,
            )
        if not passive and self.cipdinfo is not None and u.settings.get("cipdinfo") != self.cipdinfo:
            self._finding(
                "+IPD",
                "3.17 +IPD, 3.3 AT+CIPDINFO: the remote address is shown exactly when AT+CIPDINFO=1",
                f"{r.text!r} while AT+CIPDINFO={self.cipdinfo}",
                r,
            )
        key = link if self.mux != 0 else None
        if self.links.get(key, False if self.links_known else None) is False:
            shown = f"link {link}" if link is not None else "the connection"
            self._finding(
                "+IPD",
                "3.17 +IPD: data arrive on a connected link",
                f"{r.text!r} for {shown}, which is not connected",
                r,
            )

    def _finding(self, name: str, rule: str, message: str, r: Report | None) -> None:
        if self.filtering and (r is None or r.kind == "WIFI GOT IP"):
            return  # a missing report may be one the filters removed (3.1 AT+SYSMSGFILTER)
        self.findings.append(UrcFinding(name, rule, message, r))


def _parse(line: str) -> tuple[str | None, list[str]]:
    m = _SET.match(line.strip())
    if not m or m.group(2) == "?":  # the test form (=?) changes nothing
        return None, []
    return m.group(1), [a.strip() for a in m.group(2).split(",")]


def _start_link(name: str | None, args: list[str]) -> int | None:
    """The link AT+CIPSTART opens when its first parameter is a link ID (AT+CIPMUX=1); None otherwise
    (single connection, or AT+CIPSTARTEX, which picks the link itself)."""
    if name == "CIPSTART" and args and args[0].isdigit():
        return int(args[0])
    return None


def _link_of(r: Report) -> int | None:
    if r.kind == "+LINK_CONN":
        return int(r.fields[1]) if len(r.fields) > 1 and r.fields[1].isdigit() else None
    if r.kind == "+IPD":
        # +IPD,<link_id>,<length>... has two leading integers; +IPD,<length>... one (then an address or ':')
        m = re.match(r"\+IPD,(\d+),(\d+)", r.text)
        return int(m.group(1)) if m else None
    return int(r.fields[0]) if r.fields and r.fields[0].isdigit() else None


def check_state(steps: Iterable[Step], allow: Sequence[str] = ()) -> list[UrcFinding]:
    """Feed ``steps`` in order to a fresh :class:`ReportState`; its findings."""
    state = ReportState()
    for step in steps:
        state.feed(step, allow)
    return state.findings
