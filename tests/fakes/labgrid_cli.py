"""A fake labgrid-client (a runner for :class:`rigs.labgrid.client.LabgridClient`) over a dict of places,
printing what labgrid 26.0.1 prints (verbatim samples: tests/unit/test_labgrid_output.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml

from rigs.labgrid.client import CliResult
from rigs.labgrid.output import Resource


@dataclass
class FakePlace:
    tags: dict[str, str]
    holder: str | None = None
    #: acquire is refused once although the list showed the place free (another worker won the race)
    race: bool = False
    #: a reservation token (``labgrid-client reserve``): listed as ``reservation: TOKEN``
    reservation: str | None = None
    resources: list[Resource] = field(default_factory=list)


@dataclass
class FakeLab:
    places: dict[str, FakePlace]
    calls: list[list[str]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    power_cycles: list[tuple[str | None, list[str]]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str], env: Mapping[str, str], timeout: float) -> CliResult:
        args = list(argv[1:])
        self.calls.append(list(args))
        user = "vm/" + env["LG_USERNAME"]
        self.users.append(env["LG_USERNAME"])
        place = None
        if "-x" in args:
            i = args.index("-x")
            del args[i : i + 2]
        if "-p" in args:
            i = args.index("-p")
            place = args[i + 1]
            del args[i : i + 2]
        if args == ["-v", "places"]:
            return CliResult(0, self._listing(), "")
        p = self.places[place]  # type: ignore[index]
        if args == ["acquire"]:
            if p.race:
                p.race = False
                return CliResult(1, "", f"labgrid-client: Error: Place {place} is already acquired\n")
            if p.holder:
                return CliResult(
                    1, "", f"labgrid-client: Error: Place {place} is already acquired by {p.holder}. To\n"
                )
            p.holder = user
            return CliResult(0, f"acquired place {place}\n", "")
        if args == ["release"]:
            if p.holder != user:
                return CliResult(
                    1, "", f"labgrid-client: Error: place {place} is acquired by a different user\n"
                )
            p.holder = None
            return CliResult(0, f"released place {place}\n", "")
        if args[0] == "release-from":
            if p.holder != args[1]:
                return CliResult(1, "", f"labgrid-client: Error: place {place} is not acquired\n")
            p.holder = None
            return CliResult(0, "", "")
        if args == ["env"]:
            resources = [{r.cls: {"name": r.name, **r.params}} for r in p.resources]
            return CliResult(0, yaml.safe_dump({"targets": {place: {"resources": resources}}}), "")
        if args[:2] == ["power", "cycle"]:
            self.power_cycles.append((place, args))
            return CliResult(0, "", "")
        raise AssertionError(f"unexpected command {argv}")

    def _listing(self) -> str:
        out = []
        for name, p in self.places.items():
            tags = ", ".join(f"{k}={v}" for k, v in sorted(p.tags.items()))
            out += [f"Place '{name}':", *([f"  tags: {tags}"] if tags else [])]  # no tags: no line
            out += ["  matches:", f"  acquired: {p.holder}"]
            out += [f"  reservation: {p.reservation}"] if p.reservation else []
            out += [
                "  acquired resources:",
                "  created: 2026-12-07 09:58:57",
                "  changed: 2026-12-07 10:00:00",
            ]
        return "\n".join(out) + "\n"
