"""Running ``labgrid-client``: one subprocess per command, its output parsed by rigs/labgrid/output.py.

labgrid lives in its own environment (``.venv-labgrid``, from requirements-labgrid.lock: python -m
tools.labgrid_env), never in the suite's: its ``pyserial-labgrid`` fork installs the same ``serial``
package as pyserial, and its pytest plugin registers a ``target`` fixture wherever it is installed. The
suite only needs a place acquired and its resources' addresses; it opens the serial ports itself with its
own pyserial (rigs/boards/labgrid.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rigs.boards.base import BoardError
from rigs.labgrid.output import (
    Holder,
    LabgridOutputError,
    PlaceInfo,
    Resource,
    error_text,
    parse_env,
    parse_places,
    refused_holder,
)

#: The checkout's labgrid environment (tools/labgrid_env.py creates it).
REPO_ROOT = Path(__file__).resolve().parents[2]
LABGRID_VENV = REPO_ROOT / ".venv-labgrid"
#: One labgrid-client command (it connects to the coordinator afresh each time: ~0.4 s here).
COMMAND_TIMEOUT_S = 60.0
#: Variables that would make labgrid-client act on another place or load an environment config.
_DROPPED_ENV = ("LG_PLACE", "LG_ENV", "LG_STATE", "LG_INITIAL_STATE", "LG_TOKEN", "LG_PROXY")


class LabgridError(BoardError):
    """labgrid-client failed or a place cannot be had; the message names the command or the place."""


class PlaceRefused(LabgridError):
    """``acquire`` was refused: the place is held (by ``holder``, when labgrid said whom)."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True, slots=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


#: Runs argv with the given environment and timeout; a fake in the unit tests.
Runner = Callable[[Sequence[str], Mapping[str, str], float], CliResult]


def run_subprocess(argv: Sequence[str], env: Mapping[str, str], timeout: float) -> CliResult:
    """Run one labgrid-client command to its end. It runs in a session of its own, so a Ctrl-C to the run's
    process group does not cut it off halfway (an ``acquire`` the coordinator granted but whose answer never
    arrived would leave a place held that no one knows of); a KeyboardInterrupt that reaches us while it
    runs is held back until the command has finished, then raised."""
    try:
        proc = subprocess.Popen(
            list(argv), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        raise LabgridError(f"cannot run {argv[0]}: {exc}") from exc
    deadline = time.monotonic() + timeout
    interrupted: KeyboardInterrupt | None = None
    with proc:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.0))
                break
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise LabgridError(
                    f"{' '.join(argv)}: no answer in {timeout:g} s (is the coordinator up?)"
                ) from interrupted
            except KeyboardInterrupt as exc:
                interrupted = exc  # let the command finish: what it did at the coordinator must be known
    if interrupted is not None:
        raise interrupted
    return CliResult(proc.returncode, stdout, stderr)


def find_client(configured: Path | None) -> Path:
    """The labgrid-client to run: the rig's ``labgrid.client``, else ``$ESP_AT_LABGRID_CLIENT``, else this
    checkout's ``.venv-labgrid``, else the one on PATH."""
    if configured is not None:
        if not configured.is_file():
            raise LabgridError(f"labgrid.client {configured}: no such program")
        return configured
    named = os.environ.get("ESP_AT_LABGRID_CLIENT")
    if named:
        return Path(named)
    local = LABGRID_VENV / "bin" / "labgrid-client"
    if local.is_file():
        return local
    on_path = shutil.which("labgrid-client")
    if on_path:
        return Path(on_path)
    raise LabgridError(
        "labgrid-client not found: create the labgrid environment with `python -m tools.labgrid_env` "
        f"(it installs requirements-labgrid.lock into {LABGRID_VENV}), or name it in the rig's labgrid.client"
    )


class LabgridClient:
    """labgrid-client commands against one coordinator, acquiring as one labgrid user."""

    def __init__(
        self,
        executable: Path | str,
        *,
        coordinator: str | None,
        user: str,
        runner: Runner = run_subprocess,
        timeout: float = COMMAND_TIMEOUT_S,
    ) -> None:
        self.executable = str(executable)
        self.coordinator = coordinator
        self.user = user
        self._runner = runner
        self._timeout = timeout

    @property
    def where(self) -> str:
        return self.coordinator or os.environ.get("LG_COORDINATOR") or "127.0.0.1:20408 (labgrid's default)"

    def argv(self, *args: str, place: str | None = None) -> list[str]:
        argv = [self.executable]
        if self.coordinator is not None:
            argv += ["-x", self.coordinator]
        if place is not None:
            argv += ["-p", place]
        return [*argv, *args]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env["LG_USERNAME"] = self.user
        return env

    def run(self, *args: str, place: str | None = None) -> CliResult:
        return self._runner(self.argv(*args, place=place), self.environment(), self._timeout)

    def _checked(self, *args: str, place: str | None = None) -> CliResult:
        result = self.run(*args, place=place)
        if result.returncode != 0:
            what = " ".join(("labgrid-client", *(("-p", place) if place else ()), *args))
            raise LabgridError(f"{what} (coordinator {self.where}): {error_text(result.stderr)}")
        return result

    def places(self) -> list[PlaceInfo]:
        result = self._checked_places()
        try:
            return parse_places(result.stdout)
        except LabgridOutputError as exc:
            raise LabgridError(f"labgrid-client -v places (coordinator {self.where}): {exc}") from None

    def _checked_places(self) -> CliResult:
        # -v is labgrid-client's own option (before the subcommand): the long form with tags and holders
        result = self._runner([*self.argv(), "-v", "places"], self.environment(), self._timeout)
        if result.returncode != 0:
            raise LabgridError(
                f"labgrid-client places (coordinator {self.where}): {error_text(result.stderr)}"
            )
        return result

    def acquire(self, place: str) -> None:
        """Acquire ``place``; :class:`PlaceRefused` (with the holder labgrid names) when it is held."""
        result = self.run("acquire", place=place)
        if result.returncode == 0:
            return
        text = error_text(result.stderr)
        if "already acquired" in text:
            raise PlaceRefused(f"place {place}: {text}", refused_holder(result.stderr))
        raise LabgridError(f"labgrid-client -p {place} acquire (coordinator {self.where}): {text}")

    def release(self, place: str) -> None:
        self._checked("release", place=place)

    def release_from(self, place: str, holder: Holder) -> None:
        """Release ``place`` only if ``holder`` still holds it (atomic at the coordinator)."""
        self._checked("release-from", str(holder), place=place)

    def resources(self, place: str) -> list[Resource]:
        """The resources of the acquired ``place`` with their parameters (host, port, protocol...)."""
        result = self._checked("env", place=place)
        try:
            return parse_env(result.stdout, place)
        except LabgridOutputError as exc:
            raise LabgridError(f"place {place}: {exc}") from None

    def power_cycle(self, place: str, *, name: str | None = None, delay: float = 1.0) -> None:
        args = ["power", "cycle", "-t", f"{delay:g}"]
        if name is not None:
            args += ["--name", name]
        self._checked(*args, place=place)
