"""3.8 AT+FS in a real ``python -m sim`` process: the FS profile has the commands, the default one does not,
and the files live in the state dir across processes (sim/README.md, "FileSystem")."""

from __future__ import annotations

from pathlib import Path

from rigs.at.events import Line
from tests.sim.simproc import SimProcess


def test_default_profile_has_no_fs() -> None:
    with SimProcess() as sp, sp.session() as dut:
        assert '"AT+FS"' not in dut.cmd("AT+CMD?", timeout=10).assert_ok().text
        assert dut.cmd('AT+FS=0,4,"."').final == "ERROR"


def test_fs_profile_files_persist_across_processes(tmp_path: Path) -> None:
    data = b"\x00\r\nOK\r\n\xff" * 50
    with SimProcess("--profile", "v5.0.0.0-esp32-fs", state_dir=tmp_path) as sp, sp.session() as dut:
        assert '"AT+FSMOUNT"' in dut.cmd("AT+CMD?", timeout=10).assert_ok().text
        assert dut.cmd(f'AT+FS=0,1,"p.bin",0,{len(data)}').prompt
        dut.send_data(data).assert_ok()
    assert (tmp_path / "fatfs" / "p.bin").read_bytes() == data
    with SimProcess("--profile", "v5.0.0.0-esp32-fs", state_dir=tmp_path) as sp, sp.session() as dut:
        resp = dut.cmd(f'AT+FS=0,2,"p.bin",0,{len(data)}').assert_ok()
        payloads = [ev.payload for ev in resp.events if isinstance(ev, Line) and ev.payload is not None]
        assert payloads == [data]
        assert [x for x in dut.cmd('AT+FS=0,4,"."').assert_ok().lines if x] == ["+FS:p.bin"]
