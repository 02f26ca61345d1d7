"""3.8.2 AT+FS and 3.8.3 AT+FSMOUNT on a build that has them: every operation of AT+FS, with what was
written read back byte for byte (binary, CR LF and result words inside the data), writes at an offset,
reads past the end (3.8.2 note), and mounting and unmounting.

The guide shows only ``OK`` as AT+FS's response: where the operation prints nothing else (write, delete, a
listing of an empty root, AT+FSMOUNT) the response is matched with expect.ok. The lines of read, size
and list are not in the guide; their forms are the project's reading and each check says so.
"""

from __future__ import annotations

import re

import pytest

from suites.fs.helpers import fs_write, read_payload

pytestmark = [pytest.mark.fs, pytest.mark.usefixtures("fresh_board")]

#: Every byte value, then CR LF, a final result word and a line that looks like a read's header: none of it
#: may end or reframe the data.
BINARY = bytes(range(256)) + b"\r\nOK\r\n+FS:3,\r\nERROR\r\n>"


def _size(dut, name: str) -> int:
    # 3.8.2 operation 3 prints the size on a +FS: line (the guide shows only OK; +FS:<size> is how the
    # project reads "query the size of the file", as the other operations print +FS: lines).
    resp = dut.cmd(f'AT+FS=0,3,"{name}"')
    assert resp.ok, resp.text
    sizes = [m.group(1) for line in resp.lines if (m := re.fullmatch(r"\+FS:(\d+)", line))]
    assert len(sizes) == 1, f"expected one +FS:<size> line, got {resp.text!r}"
    return int(sizes[0])


def _listing(dut) -> list[str]:
    # 3.8.2 operation 4 on "." (the guide's example): one +FS:<name> line per file, as a real board printed
    # +FS:test.txt (espressif/esp-at issue #147).
    resp = dut.cmd('AT+FS=0,4,"."')
    assert resp.ok, resp.text
    return [line[len("+FS:") :] for line in resp.lines if line.startswith("+FS:")]


@pytest.mark.form("AT+FS", "set")
def test_write_then_read_back_binary(dut, expect, fs_file) -> None:
    """3.8.2 write then read: the write answers OK after its <length> bytes; reading <length> bytes from 0
    gives exactly the bytes written, every byte value and CR LF included."""
    name = fs_file("bin.dat")
    expect.ok(fs_write(dut, name, 0, BINARY), "AT+FS", "set")
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,{len(BINARY)}')
    assert resp.ok, resp.text
    assert read_payload(resp) == BINARY


@pytest.mark.form("AT+FS", "set")
def test_write_at_an_offset(dut, expect, fs_file) -> None:
    """3.8.2 <offset> of the write: the guide's "write 10 bytes to offset 100" replaces those bytes and
    keeps the others; a read at an offset starts there."""
    name = fs_file("offset.txt")
    expect.ok(fs_write(dut, name, 0, b"0123456789" * 12), "AT+FS", "set")
    expect.ok(fs_write(dut, name, 100, b"ABCDEFGHIJ"), "AT+FS", "set")
    resp = dut.cmd(f'AT+FS=0,2,"{name}",95,20')
    assert resp.ok, resp.text
    assert read_payload(resp) == b"56789ABCDEFGHIJ01234"
    assert _size(dut, name) == 120


@pytest.mark.form("AT+FS", "set")
def test_read_past_the_end_gives_the_file_length(dut, expect, fs_file) -> None:
    """3.8.2 note: "If the length of the read data is greater than the actual file length, only the actual
    data length of the file will be returned"."""
    name = fs_file("short.txt")
    expect.ok(fs_write(dut, name, 0, b"short\r\n"), "AT+FS", "set")
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,100')
    assert resp.ok, resp.text
    assert read_payload(resp) == b"short\r\n"
    resp = dut.cmd(f'AT+FS=0,2,"{name}",2,100')
    assert resp.ok, resp.text
    assert read_payload(resp) == b"ort\r\n"


@pytest.mark.form("AT+FS", "set")
@pytest.mark.parametrize("length", [1, 2048, 6000], ids=lambda n: f"length-{n}")
def test_write_and_read_sizes(dut, expect, fs_file, length: int) -> None:
    """3.8.2 <length> of the write and read: the guide sets no upper bound below the partition; one byte,
    and writes of several kilobytes (more than one 4 KB FAT cluster), come back exactly."""
    name = fs_file(f"size{length}.bin")
    data = bytes((i * 7 + 3) % 256 for i in range(length))
    expect.ok(fs_write(dut, name, 0, data), "AT+FS", "set")
    assert _size(dut, name) == length
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,{length}', timeout=10)
    assert resp.ok, resp.text
    assert read_payload(resp) == data


@pytest.mark.form("AT+FS", "set")
def test_list_and_delete(dut, expect, fs_file) -> None:
    """3.8.2 operations 4 and 0: a written file is listed in the root directory; deleting it answers OK and
    it is no longer listed, its size can no longer be queried, and a second delete fails."""
    name = fs_file("gone.txt")
    expect.ok(fs_write(dut, name, 0, b"x"), "AT+FS", "set")
    assert name in _listing(dut)
    expect.ok(dut.cmd(f'AT+FS=0,0,"{name}"'), "AT+FS", "set")
    assert name not in _listing(dut)
    expect.error(dut.cmd(f'AT+FS=0,3,"{name}"'))
    expect.error(dut.cmd(f'AT+FS=0,0,"{name}"'))


@pytest.mark.form("AT+FS", "set")
def test_list_of_an_empty_root(dut, expect) -> None:
    """3.8.2 operation 4 on "." with no file the suite wrote: OK (after one +FS: line per file there is).
    On a fresh board of the rig the root holds nothing else, so the response is the guide's OK."""
    resp = dut.cmd('AT+FS=0,4,"."')
    if any(line.startswith("+FS:") for line in resp.lines):
        pytest.skip(f"the board's file system holds files the suite did not write: {resp.lines}")
    expect.ok(resp, "AT+FS", "set")


@pytest.mark.form("AT+FSMOUNT", "set")
def test_fsmount_unmount_and_mount(dut, expect, fs_file) -> None:
    """3.8.3: AT+FSMOUNT=0 unmounts and AT+FSMOUNT=1 mounts, both OK; 3.8.2 note: AT+FS mounts the file
    system itself, so after an unmount it still reads what was written."""
    name = fs_file("mount.txt")
    expect.ok(fs_write(dut, name, 0, b"kept"), "AT+FS", "set")
    expect.ok(dut.cmd("AT+FSMOUNT=0"), "AT+FSMOUNT", "set")
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,4')
    assert resp.ok and read_payload(resp) == b"kept", resp.text
    expect.ok(dut.cmd("AT+FSMOUNT=0"), "AT+FSMOUNT", "set")
    expect.ok(dut.cmd("AT+FSMOUNT=1"), "AT+FSMOUNT", "set")
    resp = dut.cmd(f'AT+FS=0,2,"{name}",0,4')
    assert resp.ok and read_payload(resp) == b"kept", resp.text
    expect.ok(dut.cmd("AT+FSMOUNT=0"), "AT+FSMOUNT", "set")  # 3.8.3 note: unmount when done
