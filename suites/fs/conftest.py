"""Fixtures of the 3.8 FileSystem suite: the commands must be in the build, and each test's files go."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

_LISTED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def fs_in_firmware(dut, request) -> None:
    # 3.8 Introduction: "The default AT firmware does not support the AT commands listed on this page"; they
    # need "AT FS command support" in menuconfig. A board without them is skipped with that reason (the
    # default rig, rigs/sim.yaml); rigs/sim-fs.yaml is a build with them. AT+CMD? is asked once per run.
    listed = request.config.stash.get(_LISTED, None)
    if listed is None:
        listed = '"AT+FS"' in dut.cmd("AT+CMD?", timeout=10).assert_ok().text
        request.config.stash[_LISTED] = listed
    if not listed:
        pytest.skip(
            "the board's AT+CMD? does not list AT+FS: 3.8 says the default firmware leaves the FileSystem "
            "commands out (AT FS command support); run with a build that has them (rigs/sim-fs.yaml)"
        )


@pytest.fixture
def fs_file(dut) -> Iterator[Callable[[str], str]]:
    """Names a file the test may create; every file named is deleted afterwards (an ERROR for one the test
    did not create is fine)."""
    names: list[str] = []

    def name(n: str) -> str:
        names.append(n)
        return n

    yield name
    for n in names:
        dut.cmd(f'AT+FS=0,0,"{n}"')
