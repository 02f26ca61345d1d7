"""Typed errors of the AT session. Each says what was expected, what came, and where the transcript is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rigs.at.transcript import Transcript

if TYPE_CHECKING:
    from rigs.at.response import Response

__all__ = [
    "AtError",
    "BoardRebooted",
    "BoardSilent",
    "CommandFailed",
    "ProtocolViolation",
    "ResponseTimeout",
    "UrcTimeout",
]


class AtError(Exception):
    """Base of every AT session error; the message ends with the transcript's last chunks.

    ``response`` is what the command got before it failed, where there is one (timeouts, reboots).
    """

    def __init__(
        self,
        message: str,
        transcript: Transcript | None = None,
        *,
        tail: int = 12,
        response: Response | None = None,
    ) -> None:
        self.detail = message
        self.transcript = transcript
        self.response = response
        text = message
        if transcript is not None:
            where = f" (full transcript: {transcript.path})" if transcript.path else ""
            text += f"\nlast {tail} chunks of the transcript{where}:\n{transcript.tail(tail)}"
        super().__init__(text)


class BoardSilent(AtError):
    """Not a single byte came back before the timeout."""


class ResponseTimeout(AtError):
    """Bytes came back, but not the final result (or prompt) the command needs."""


class BoardRebooted(AtError):
    """``ready`` arrived while a command was waiting for its result: the board restarted."""


class UrcTimeout(AtError):
    """No active message report matching the pattern arrived in time."""


class CommandFailed(AtError):
    """A command ended with another final result than the one the caller asserted."""


class ProtocolViolation(AtError):
    """The board broke the response structure of 3.17 (e.g. a final result with no command pending)."""
