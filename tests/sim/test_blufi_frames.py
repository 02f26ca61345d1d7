"""BluFi frames (ESP-IDF api-guides/blufi): the board's (sim/radio/blufi.py) as the phone's side reads them
(servers/blufi.py) and the reverse, the board's Receiver (sequence check, Ack, fragments, what each subtype
asks) and the phone's refusals of frames it cannot read."""

from __future__ import annotations

import pytest

from servers import blufi
from sim.radio import blufi as board


@pytest.mark.parametrize("size", [0, 1, 16, 17, 100, 600])
def test_board_frames_reassemble_to_the_data(size: int) -> None:
    data = (bytes(range(256)) * 3)[:size]
    raw = board.frames(board.DATA, board.DATA_CUSTOM, data, 20, 7)
    assert all(len(f) <= 20 for f in raw)
    parsed = [blufi.parse(f) for f in raw]
    assert [p.sequence for p in parsed] == list(range(7, 7 + len(raw)))
    assert {(p.frame_type, p.subtype) for p in parsed} == {(blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA)}
    assert all(p.control & blufi.FC_TO_PHONE for p in parsed)
    assert blufi.reassemble(parsed) == data


def test_a_large_mtu_still_keeps_one_frame_to_255_data_bytes() -> None:
    raw = board.frames(board.DATA, board.DATA_CUSTOM, bytes(600), 512, 0)
    assert all(blufi.parse(f).data and len(f) - board.HEADER <= 255 for f in raw)
    assert blufi.reassemble([blufi.parse(f) for f in raw]) == bytes(600)


@pytest.mark.parametrize("size", [0, 15, 16, 40])
def test_phone_messages_reach_the_board_whole(size: int) -> None:
    data = bytes(range(size))
    rx = board.Receiver()
    actions = []
    for raw in blufi.encode(blufi.FRAME_DATA, blufi.SUBTYPE_CUSTOM_DATA, data, 0):
        assert len(raw) <= blufi.DEFAULT_ROOM
        actions += rx.feed(raw)
        assert rx.replies == []
    assert actions == [board.Action("custom", data)]


@pytest.mark.parametrize(
    ("frame_type", "subtype", "data", "kind"),
    [
        (blufi.FRAME_DATA, blufi.SUBTYPE_STA_SSID, b"rig-ap", "ssid"),
        (blufi.FRAME_DATA, blufi.SUBTYPE_STA_PASSWORD, b"secret", "password"),
        (blufi.FRAME_CONTROL, blufi.CTRL_SET_OPMODE, b"\x01", "opmode"),
        (blufi.FRAME_CONTROL, blufi.CTRL_CONNECT_AP, b"", "connect"),
        (blufi.FRAME_CONTROL, blufi.CTRL_DISCONNECT_AP, b"", "disconnect"),
        (blufi.FRAME_CONTROL, blufi.CTRL_GET_WIFI_STATUS, b"", "status"),
    ],
)
def test_each_subtype_asks_its_action(frame_type: int, subtype: int, data: bytes, kind: str) -> None:
    (raw,) = blufi.encode(frame_type, subtype, data, 0)
    assert board.Receiver().feed(raw) == [board.Action(kind, data)]


def test_a_frame_out_of_sequence_is_dropped_with_a_sequence_error() -> None:
    rx = board.Receiver()
    assert rx.feed(blufi.custom_data(b"a", 0)) == [board.Action("custom", b"a")]
    assert rx.feed(blufi.custom_data(b"b", 2)) == []
    assert rx.replies == [(board.DATA, board.DATA_ERROR, bytes([board.ERROR_SEQUENCE]))]
    assert rx.feed(blufi.custom_data(b"c", 1)) == [board.Action("custom", b"c")]


def test_an_ack_is_sent_when_asked_with_the_acked_sequence() -> None:
    raw = bytearray(blufi.custom_data(b"x", 0))
    raw[1] |= blufi.FC_ACK
    rx = board.Receiver()
    assert rx.feed(bytes(raw)) == [board.Action("custom", b"x")]
    assert rx.replies == [(board.CONTROL, board.CTRL_ACK, b"\x00")]


def test_the_wifi_report_reads_back_on_the_phone() -> None:
    data = board.wifi_report(1, True, 0, "rig-ap", "24:0a:c4:00:00:01")
    assert blufi.wifi_report(data) == blufi.WifiReport(1, True, 0, "rig-ap", "24:0a:c4:00:00:01")
    assert blufi.wifi_report(board.wifi_report(1, False, 0, "", None)) == blufi.WifiReport(
        1, False, 0, None, None
    )


def test_short_frame_is_refused() -> None:
    with pytest.raises(blufi.BlufiFrameError, match="header"):
        blufi.parse(b"\x4d\x04")


def test_data_length_beyond_the_frame_is_refused() -> None:
    with pytest.raises(blufi.BlufiFrameError, match="Data Length 9"):
        blufi.parse(bytes([0x4D, 0x04, 0, 9]) + b"abc")


def test_encrypted_frame_is_refused() -> None:
    with pytest.raises(blufi.BlufiFrameError, match="encrypted"):
        blufi.parse(bytes([0x4D, 0x05, 0, 0]))


def test_wrong_total_length_is_refused() -> None:
    raw = board.frames(board.DATA, board.DATA_CUSTOM, bytes(40), 20, 0)
    first = bytearray(raw[0])
    first[4] += 1  # the total content length of the first fragment
    with pytest.raises(blufi.BlufiFrameError, match="total content length"):
        blufi.reassemble([blufi.parse(bytes(first)), *(blufi.parse(f) for f in raw[1:])])


def test_phone_frame_is_custom_data_to_the_device() -> None:
    f = blufi.parse(blufi.custom_data(b"test", 3))
    assert (f.frame_type, f.subtype, f.control, f.sequence, f.data) == (1, 0x13, 0, 3, b"test")
