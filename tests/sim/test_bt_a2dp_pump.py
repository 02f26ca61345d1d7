"""The simulated A2DP source's media (sim/radio/a2dp.py FilePump): the RTP packets carry the file's bytes in
order, a suspend keeps the position and the next start goes on from it (3.5.15 <ctrl> 2), and the stream
ends with the file. No timing is asserted (the pace is the simulator's choice)."""

from __future__ import annotations

import asyncio

from bumble.rtp import MediaPacket

from sim.radio.a2dp import PAYLOAD_BYTES, FilePump


class _Channel:
    def __init__(self) -> None:
        self.packets: list[MediaPacket] = []

    def write(self, data: bytes) -> None:
        self.packets.append(MediaPacket.from_bytes(data))


def test_the_packets_carry_the_file_in_order_across_a_suspend() -> None:
    data = bytes(range(256)) * 9  # 2304 bytes: four full packets and a short one

    async def run() -> _Channel:
        pump, channel = FilePump(), _Channel()
        pump.data = data
        await pump.start(channel)
        while len(channel.packets) < 2:
            await asyncio.sleep(0.005)
        await pump.stop()
        sent = len(channel.packets)
        await asyncio.sleep(0.05)
        assert len(channel.packets) == sent, "a packet after the suspend"
        assert pump.offset == sum(len(p.payload) for p in channel.packets)
        await pump.start(channel)
        while pump.offset < len(data):
            await asyncio.sleep(0.005)
        await pump.stop()
        return channel

    channel = asyncio.run(run())
    assert b"".join(p.payload for p in channel.packets) == data
    assert [len(p.payload) for p in channel.packets] == [PAYLOAD_BYTES] * 4 + [len(data) - 4 * PAYLOAD_BYTES]
    assert [p.sequence_number for p in channel.packets] == list(range(5))
