"""The curated departures from the guide's literal text (``spec/corrections.yaml``), as typed data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from spec.extract.sources import RELEASE, check_release
from spec.model import FormKind


class _C(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Scoped(_C):
    """A correction written against the text of one release (issue 19).

    ``releases``: the releases whose guide it applies to; empty means only the release the file is written
    against (``Corrections.written_against``). Sections are those of each listed release; an entry naming
    a further release must cite that release's RST in its evidence (``v4.1.1.0/Basic_AT_Commands.rst:N``).
    """

    releases: list[str] = Field(default_factory=list)


class Rename(_Scoped):
    """The seed (the guide we implement) names the command differently from the RST page."""

    section: str
    rst: str
    seed: str
    why: str
    evidence: str


class NameOverride(_Scoped):
    """The RST heading carries no usable command name (e.g. 3.1.22 is headed just "AT")."""

    section: str
    guide: str
    spec: str
    why: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class SeedDamage(_Scoped):
    """A seed spelling that is PDF-conversion damage, not a different name."""

    section: str
    where: str  #: toc, heading or index
    guide: str
    spec: str


class CountNote(_Scoped):
    """A place where the hand count of the seed differs from the data, with the reason."""

    section: str
    what: str  #: "syntax_blocks" or "forms"
    guide: int
    spec: int
    why: str


class KindFix(_Scoped):
    """A form whose heading names another kind than its syntax line has (3.15: ``=`` makes a set form)."""

    section: str
    guide: FormKind
    spec: FormKind
    why: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class ResponsesFrom(_Scoped):
    """A form printed without a "Response:" block whose response the guide gives under a sibling form."""

    section: str
    form: FormKind
    same_as: FormKind
    why: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class TextFix(_Scoped):
    """Replace one syntax line or response template of a form."""

    section: str
    form: FormKind
    field: str  #: "syntax" or "responses"
    guide: str
    spec: str
    why: str
    evidence: str | None = None


class LineFix(_Scoped):
    """Replace one line of a form's response blocks, in every block of the form that has it.

    For what the guide says of a line in prose or shows in its examples but not in the format: a line
    printed once per item (``{+}``, ``{*}``), a line printed only in some configurations (``[...]``), or a
    placeholder named otherwise than in the parameter list (spec/TEMPLATES.md notation).
    """

    section: str
    form: FormKind
    guide: str  #: the line exactly as the extracted block has it
    spec: str
    why: str
    evidence: str  #: RST file and line, or the guide's example, that shows it


class ExampleFix(_Scoped):
    """An example response that contradicts the command's own response format, or (``spec_command``) an
    example command that contradicts the command's own syntax line."""

    section: str
    command: str
    guide: str | None
    spec: str | None
    why: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)
    #: the command as spec/data holds it, when the guide's example command itself is wrong
    spec_command: str | None = None


class ParamFix(_Scoped):
    """Parameter facts the list states in prose the extractor cannot read reliably (fields of ParamSpec)."""

    section: str
    name: str
    set: dict[str, Any]
    why: str
    evidence: str | None = None


class ParamAdd(_Scoped):
    """A value a response block prints that the section's parameter list does not describe (or describes
    only for another chip), as a ParamSpec (its fields); appended to the command's parameters."""

    section: str
    param: dict[str, Any]
    why: str
    evidence: str


class AvailabilityFix(_Scoped):
    """Whether a release's default firmware has a command, where the command's page says nothing of it: the
    availability the extractor reads from a page's introduction (build.py ``_availability``) holds only
    from the release whose pages state it (v3.x); an older release's is stated elsewhere in its guide (its
    firmware-differences table) or only in the public firmware's menuconfig defaults (``evidence`` cites
    which)."""

    section: str
    command: str
    default_firmware: bool
    build_option: str | None = None
    why: str
    evidence: str


class Decision(_C):
    """An exactness question decided once for the whole spec."""

    topic: str
    decision: str
    evidence: list[str] = Field(default_factory=list)


class MessageFix(_Scoped):
    """A departure in the 3.17 message data (spec/urcs.yaml) or the error codes (spec/errors.yaml)."""

    section: str
    data: str
    guide: str
    holds: str
    why: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class ExampleStepFix(_C):
    """A chapter-4 example step that departs from the guide's transcript; steps name it by ``id``.

    ``evidence``: one or more ``<kind>: <where> - <what it shows>``, kind ``guide`` (a section of the v5.0.0.0
    guide), ``release`` (another release of the guide), ``issue`` (a real board's output in a public esp-at
    issue, with its URL), ``source`` (esp-at source) or ``none`` (no evidence found: what was searched).
    """

    id: str
    section: str
    guide: str
    holds: str
    why: str
    evidence: list[str] = Field(min_length=1)


class ExampleOmission(_C):
    """Reports the guide's transcripts leave out; the example files add them as steps (origin: added).
    ``evidence`` as for :class:`ExampleStepFix`."""

    sections: list[str]
    what: str
    evidence: list[str] = Field(min_length=1)


class ExampleConflict(_C):
    """Places where the guide disagrees with itself and the example data follows the transcript."""

    sections: list[str]
    what: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class ExampleUnresolved(_C):
    """An example left as a draft because its transcript cannot be replayed as written."""

    section: str
    what: str
    evidence: str | None = None  #: RST file:line, public issue or public firmware source (tests enforce it)


class Corrections(_C):
    written_against: str = RELEASE  #: the release whose text the entries describe unless they say otherwise
    renames: list[Rename] = Field(default_factory=list)
    names: list[NameOverride] = Field(default_factory=list)
    seed_damage: list[SeedDamage] = Field(default_factory=list)
    counts: list[CountNote] = Field(default_factory=list)
    kinds: list[KindFix] = Field(default_factory=list)
    responses_from: list[ResponsesFrom] = Field(default_factory=list)
    text: list[TextFix] = Field(default_factory=list)
    examples: list[ExampleFix] = Field(default_factory=list)
    lines: list[LineFix] = Field(default_factory=list)
    params: list[ParamFix] = Field(default_factory=list)
    added_params: list[ParamAdd] = Field(default_factory=list)
    availability: list[AvailabilityFix] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    messages: list[MessageFix] = Field(default_factory=list)
    chapter4: list[ExampleStepFix] = Field(default_factory=list)
    chapter4_omissions: list[ExampleOmission] = Field(default_factory=list)
    chapter4_conflicts: list[ExampleConflict] = Field(default_factory=list)
    chapter4_unresolved: list[ExampleUnresolved] = Field(default_factory=list)

    @model_validator(mode="after")
    def _releases_known_and_cited(self) -> Corrections:
        check_release(self.written_against)
        for kind in type(self).model_fields:
            for entry in getattr(self, kind) if isinstance(getattr(self, kind), list) else []:
                for release in getattr(entry, "releases", []):
                    check_release(release)
                    ev = getattr(entry, "evidence", None) or ""
                    if release != self.written_against and release not in ev:
                        raise ValueError(
                            f"{kind} {getattr(entry, 'section', '')}: applies to {release} "
                            "but its evidence cites nothing of that release"
                        )
        return self

    def applies(self, entry: _Scoped, release: str) -> bool:
        return release in (entry.releases or [self.written_against])

    def for_release(self, release: str) -> Corrections:
        """The same corrections, the scoped entries narrowed to those that apply to ``release``."""
        check_release(release)
        update: dict[str, Any] = {}
        for kind in type(self).model_fields:
            value = getattr(self, kind)
            if isinstance(value, list) and value and isinstance(value[0], _Scoped):
                update[kind] = [e for e in value if self.applies(e, release)]
        return self.model_copy(update=update)

    @classmethod
    def load(cls, path: Path) -> Corrections:
        """``path`` and, beside it, the files of ``<stem>/<release>.yaml`` (``spec/corrections/v4.1.1.0.yaml``):
        corrections written against an older release's text, whose entries apply to that release only."""
        main = cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        for extra in sorted((path.parent / path.stem).glob("*.yaml")):
            main = main.merged(cls.model_validate(yaml.safe_load(extra.read_text(encoding="utf-8")) or {}))
        return main

    def merged(self, other: Corrections) -> Corrections:
        """These corrections with ``other``'s appended; ``other``'s unscoped entries are scoped to the release
        it is written against (issue 19: one file per older release), and each must cite that release."""
        release = other.written_against
        update: dict[str, Any] = {}
        for kind in type(self).model_fields:
            mine, theirs = getattr(self, kind), getattr(other, kind)
            if not isinstance(mine, list) or not theirs:
                continue
            scoped = []
            for e in theirs:
                if not isinstance(e, _Scoped):
                    raise ValueError(f"{kind}: entries of a release's corrections file must be release-scoped")
                if not e.releases:
                    if release not in (getattr(e, "evidence", None) or ""):
                        raise ValueError(
                            f"{kind} {getattr(e, 'section', '')}: written against {release} "
                            "but its evidence cites nothing of that release"
                        )
                    e = e.model_copy(update={"releases": [release]})
                scoped.append(e)
            update[kind] = [*mine, *scoped]
        return self.model_copy(update=update)
