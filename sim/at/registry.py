"""Command registry: which commands the simulated firmware has, and the handler of each form.

A command module declares a command once and attaches one async handler per form it supports (3.15)::

    from sim.at.registry import command

    SYSSTORE = command("AT+SYSSTORE", section="3.1.26")

    @SYSSTORE.query
    async def _(ctx: CommandContext) -> None:
        ctx.reply(f"+SYSSTORE:{int(ctx.board.config.sysstore)}")

A form without a handler answers ERROR with ESP_AT_SUB_CMD_OP_ERROR; AT+CMD? lists the forms that have one.
Commands are listed by AT+CMD? in registration order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.at.parser import Form

if TYPE_CHECKING:
    from sim.at.context import CommandContext

Handler = Callable[["CommandContext"], Awaitable[None]]


class RegistryError(Exception):
    """A command module declared something twice or with a malformed name."""


@dataclass
class CommandDef:
    """One AT command: its name as typed (``AT+UART_CUR``), guide section, and a handler per form."""

    name: str
    section: str = ""
    handlers: dict[Form, Handler] = field(default_factory=dict)

    def _attach(self, form: Form, fn: Handler) -> Handler:
        if form in self.handlers:
            raise RegistryError(f"{self.name}: {form.value} handler registered twice")
        self.handlers[form] = fn
        return fn

    def test(self, fn: Handler) -> Handler:
        """Decorator: handler of ``AT+X=?``."""
        return self._attach(Form.TEST, fn)

    def query(self, fn: Handler) -> Handler:
        """Decorator: handler of ``AT+X?``."""
        return self._attach(Form.QUERY, fn)

    def set(self, fn: Handler) -> Handler:
        """Decorator: handler of ``AT+X=<...>``."""
        return self._attach(Form.SET, fn)

    def execute(self, fn: Handler) -> Handler:
        """Decorator: handler of ``AT+X``."""
        return self._attach(Form.EXECUTE, fn)

    def supports(self, form: Form) -> bool:
        return form in self.handlers


class Registry:
    """Commands by name, in registration order."""

    def __init__(self) -> None:
        self._by_name: dict[str, CommandDef] = {}

    def add(self, cmd: CommandDef) -> CommandDef:
        if not (cmd.name == "AT" or cmd.name == "ATE" or cmd.name.startswith("AT+")):
            raise RegistryError(f"command name must be AT, ATE or AT+<NAME>, got {cmd.name!r}")
        if cmd.name in self._by_name:
            raise RegistryError(f"{cmd.name} registered twice")
        self._by_name[cmd.name] = cmd
        return cmd

    def get(self, name: str) -> CommandDef | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[CommandDef]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


#: The firmware's command table. Command modules add to it at import (see sim.commands.load_all).
REGISTRY = Registry()


def command(name: str, *, section: str = "", registry: Registry | None = None) -> CommandDef:
    """Declare a command in the registry (the default one unless given) and return it for decorating."""
    return (registry or REGISTRY).add(CommandDef(name, section))
