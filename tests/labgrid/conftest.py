"""A real labgrid lab for the tests here: coordinator, exporter and two simulated boards as places
(tools/labgrid_lab.py), its programs from .venv-labgrid (tools/labgrid_env.py, created on first use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.labgrid_lab import SimLab


@pytest.fixture(scope="session")
def labgrid_bin() -> Path:
    from tools.labgrid_env import LabgridEnvError, ensure

    try:
        return ensure()
    except LabgridEnvError as exc:
        pytest.skip(f"labgrid cannot be installed here (requirements-labgrid.lock into .venv-labgrid): {exc}")


@pytest.fixture(scope="module")
def sim_lab(labgrid_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimLab]:
    with SimLab(labgrid_bin, tmp_path_factory.mktemp("lab"), boards=2) as lab:
        yield lab


@pytest.fixture
def fresh_lab(labgrid_bin: Path, tmp_path: Path) -> Iterator[SimLab]:
    """A lab of its own, for a test that kills a run mid-test (the boards keep whatever state it left)."""
    with SimLab(labgrid_bin, tmp_path / "lab", boards=2) as lab:
        yield lab
