"""Create the labgrid environment, ``.venv-labgrid/``, from the pinned requirements-labgrid.lock.

labgrid is an optional extra of the suite, installed apart from ``.venv``: its dependency
``pyserial-labgrid`` installs the same ``serial`` package as pyserial (whichever pip installs last wins:
with the wrong one the suite's AT round trip took 300 ms instead of 1-16 ms), and its pytest plugin
registers a ``target`` fixture in any environment it is installed in. The suite runs only labgrid's
programs from here (``labgrid-client``; ``labgrid-coordinator`` and ``labgrid-exporter`` for the CI lab);
rigs/labgrid/client.py finds them.

    python -m tools.labgrid_env            # create or update it; prints the labgrid-client path
    python -m tools.labgrid_env --check    # exit 1 (saying why) when it is missing or out of date

Idempotent, and safe to run from several processes at once (a file lock; the xdist workers of the
self-test both call :func:`ensure`).
"""

from __future__ import annotations

import argparse
import fcntl
import shutil
import subprocess
import sys
from pathlib import Path

from rigs.labgrid.client import LABGRID_VENV, REPO_ROOT

LOCK_FILE = REPO_ROOT / "requirements-labgrid.lock"
#: Copy of the lock file the environment was installed from (as ./run keeps for .venv).
STAMP = ".lock-installed"
PROGRAMS = ("labgrid-client", "labgrid-coordinator", "labgrid-exporter")


class LabgridEnvError(RuntimeError):
    """The environment could not be created; the message quotes pip's complaint."""


def bin_dir(venv: Path = LABGRID_VENV) -> Path:
    return venv / "bin"


def up_to_date(venv: Path = LABGRID_VENV, lock: Path = LOCK_FILE) -> bool:
    stamp = venv / STAMP
    return (
        stamp.is_file()
        and stamp.read_bytes() == lock.read_bytes()
        and all((bin_dir(venv) / p).is_file() for p in PROGRAMS)
    )


def _run(argv: list[str], what: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabgridEnvError(f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-1500:]
        raise LabgridEnvError(f"{what} exited {done.returncode}:\n{tail}")


def _base_python() -> str:
    """An interpreter to build the venv with: this one's base (a venv's python makes a venv too)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def ensure(venv: Path = LABGRID_VENV, lock: Path = LOCK_FILE) -> Path:
    """The environment's bin directory, creating or updating the environment first when needed."""
    if up_to_date(venv, lock):
        return bin_dir(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.creating", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # another process may be creating it right now
        if up_to_date(venv, lock):
            return bin_dir(venv)
        python = bin_dir(venv) / "python"
        if not python.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            _run([_base_python(), "-m", "venv", str(venv)], f"creating {venv}")
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, "-r", str(lock)], f"pip install -r {lock.name} into {venv}")
        missing = [p for p in PROGRAMS if not (bin_dir(venv) / p).is_file()]
        if missing:
            raise LabgridEnvError(f"{venv}: installed, but {', '.join(missing)} are missing")
        (venv / STAMP).write_bytes(lock.read_bytes())
    return bin_dir(venv)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.labgrid_env", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is there and current")
    args = parser.parse_args(argv)
    if args.check:
        if up_to_date():
            print(bin_dir() / "labgrid-client")
            return 0
        print(f"{LABGRID_VENV}: missing or not installed from the current {LOCK_FILE.name}", file=sys.stderr)
        return 1
    try:
        print(ensure() / "labgrid-client")
    except LabgridEnvError as exc:
        print(f"labgrid environment: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
