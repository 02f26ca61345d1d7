"""The user guide's chapter 3 (AT command set) as typed data.

One :class:`Command` per documented command, each with its :class:`Form` s (3.15 names the four kinds:
test ``=?``, query ``?``, set ``=``, execute; ``+++`` of 3.3.7 is the one ``special`` form), the response
templates in the guide's own notation, the parameters, the persistence rule and the command's own example
exchanges.  The data files under ``spec/data/`` hold exactly this shape; the extractor writes them.
Parameters are :class:`spec.params.ParamSpec` (one model of parameter types for the whole project).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from spec.params import ParamSpec


class FormKind(StrEnum):
    """The kinds of 3.15; ``special`` is the bare ``+++`` of 3.3.7."""

    test = "test"
    query = "query"
    set = "set"
    execute = "execute"
    special = "special"


class Persistence(StrEnum):
    """Whether a set form's configuration survives a restart (3.16 and the commands' notes)."""

    flash = "flash"  #: always written to flash (NVS)
    sysstore = "sysstore"  #: written to flash only while AT+SYSSTORE=1 (3.1.28)
    never = "never"  #: never written to flash


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Form(_Frozen):
    """One form of a command.

    ``syntax_blocks`` are the guide's "Command:" blocks verbatim (comment lines kept, RST markup removed);
    ``syntax`` are the command lines of those blocks (comments, captions and blank lines dropped).
    ``responses`` are the form's "Response:" blocks in the guide's order, each a template in the guide's
    notation (``<param>``, ``<"param">``, ``[...]``, blank lines kept). The guide lists under one form
    both alternatives (success / ``ERROR``) and successive phases (``OK`` + ``>`` prompt, then ``SEND OK``
    after the data); a line ``>`` alone is the data prompt (see corrections.yaml, decisions).
    """

    kind: FormKind
    syntax_blocks: list[str]
    syntax: list[str]
    responses: list[str] = Field(default_factory=list)
    variants: list[str] = Field(default_factory=list)  #: sub-section keys, when a form is split (3.1.9)

    @property
    def block_count(self) -> int:
        return len(self.syntax_blocks)


class Example(_Frozen):
    """One exchange of the command's own "Example" block: what the host sends and, when the guide shows
    it, what comes back (``None`` when the guide shows only the command)."""

    command: str
    response: str | None = None


class Command(_Frozen):
    """A documented command of chapter 3 (e.g. ``AT+CIPSTART``, section ``3.3.5``)."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    section: str
    command_set: str
    title: str
    default_firmware: bool = True
    build_option: str | None = None  #: the menuconfig entry that enables/disables the command
    forms: list[Form] = Field(default_factory=list)
    params: list[ParamSpec] = Field(default_factory=list)  #: from the "Parameters" section
    persistence: Persistence | None = None
    examples: list[Example] = Field(default_factory=list)
    same_as: str | None = None  #: documented only by reference to another command (3.3.6, 3.3.32)

    def form(self, kind: FormKind | str) -> Form | None:
        kind = FormKind(kind)
        return next((f for f in self.forms if f.kind is kind), None)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


class CommandSetFile(_Frozen):
    """The content of one ``spec/data/<command_set>.yaml``."""

    command_set: str
    chapter: str  #: e.g. "3.3"
    title: str
    source: str  #: the RST page it was extracted from
    commands: list[Command]
