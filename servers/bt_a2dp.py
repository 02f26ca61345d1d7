"""The A2DP side of the Classic Bluetooth peer (servers/bt_peer.py): the phone or speaker of 3.5.11-3.5.15
and 4.10.5, over bumble's AVDTP on the peer's own device.

As a sink (a speaker the board's source connects to, or that connects to it) the peer counts the media
packets and bytes it receives; as a source (4.10.5's phone, which connects to the board's sink) it sends a
fixed byte pattern while the stream is started. Either way it records what happened to its stream,
in order, for the test to ask: ``connected``, ``start``, ``suspend``, ``disconnected``. The codec is SBC
(A2DP 1.3 4.2: every device has it), in the one configuration the board offers.

Written apart from the simulator's A2DP (sim/radio/a2dp.py) on purpose, though both build the same SBC
capabilities: the peer judges the board, so it is written from the A2DP and AVDTP specifications on its
own, as servers/blufi.py is from ESP-IDF's BluFi format.
"""

from __future__ import annotations

import asyncio
import queue
import time
from typing import Any

from servers.bt_peer import BumbleBtPeer

#: The peer's SDP record handle for its A2DP service (beside the SPP one, 0x00010001).
A2DP_RECORD_HANDLE = 0x00010002
#: The peer source's media: RTP payload size and pace.
PAYLOAD_BYTES = 256
PACKET_INTERVAL_S = 0.02
EVENTS = ("connected", "start", "suspend", "disconnected")


def _sbc() -> Any:
    from bumble import a2dp, avdtp

    info = a2dp.SbcMediaCodecInformation
    return avdtp.MediaCodecCapabilities(
        media_type=avdtp.AVDTP_AUDIO_MEDIA_TYPE,
        media_codec_type=a2dp.A2DP_SBC_CODEC_TYPE,
        media_codec_information=info(
            sampling_frequency=info.SamplingFrequency.SF_44100,
            channel_mode=info.ChannelMode.JOINT_STEREO,
            block_length=info.BlockLength.BL_16,
            subbands=info.Subbands.S_8,
            allocation_method=info.AllocationMethod.LOUDNESS,
            minimum_bitpool_value=2,
            maximum_bitpool_value=53,
        ),
    )


class _PatternPump:
    """The peer source's media while started (bumble's LocalSource calls start on START, stop on SUSPEND)."""

    def __init__(self, side: A2dpPeer) -> None:
        self.side = side
        self._task: asyncio.Task[None] | None = None

    async def start(self, rtp_channel: Any) -> None:
        self.side._event("start")
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._pump(rtp_channel))

    async def _pump(self, rtp_channel: Any) -> None:
        from bumble.rtp import MediaPacket

        sequence = 0
        while True:
            payload = bytes((sequence + i) & 0xFF for i in range(PAYLOAD_BYTES))
            rtp_channel.write(bytes(MediaPacket(2, 0, 0, 0, sequence, 0, 0, [], 96, payload)))
            self.side.sent_packets += 1
            sequence += 1
            await asyncio.sleep(PACKET_INTERVAL_S)

    async def stop(self) -> None:
        self.side._event("suspend")
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass


class A2dpPeer:
    """The A2DP role ``role`` ("sink" or "source") of ``peer``; :meth:`serve` to accept the board,
    :meth:`connect` to connect to it."""

    def __init__(self, peer: BumbleBtPeer, role: str) -> None:
        if role not in ("sink", "source"):
            raise ValueError(f"an A2DP role is 'sink' or 'source', not {role!r}")
        self.peer = peer
        self.role = role
        self.events: queue.Queue[str] = queue.Queue()
        self.history: list[str] = []
        self.received = bytearray()
        self.received_packets = 0
        self.sent_packets = 0
        self._pump = _PatternPump(self)
        self._protocol: Any = None
        self._stream: Any = None
        self._connection: Any = None

    # --- what happened ---

    def _event(self, name: str) -> None:
        self.history.append(name)
        self.events.put(name)

    def wait_event(self, name: str, timeout: float = 10.0) -> None:
        """The next ``name`` of the peer's stream; earlier events of other kinds are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.events.get(timeout=max(deadline - time.monotonic(), 0.001)) == name:
                    return
            except queue.Empty:
                raise AssertionError(
                    f"the A2DP {self.role} saw no {name} in {timeout:g} s (so far: {self.history})"
                ) from None

    def wait_received(self, n: int, timeout: float = 10.0) -> bytes:
        """The first ``n`` media payload bytes the sink received."""
        deadline = time.monotonic() + timeout
        while len(self.received) < n:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the A2DP sink received {len(self.received)} of {n} bytes in {timeout:g} s"
                )
            time.sleep(0.01)
        return bytes(self.received[:n])

    def state(self) -> str:
        """The AVDTP state of the peer's stream (AVDTP 1.3 9.1): IDLE ... STREAMING, or NONE."""

        async def run() -> str:
            return self._stream.state.name if self._stream is not None else "NONE"

        return self.peer.loop.run(run())

    # --- the stream ---

    def _endpoint(self, protocol: Any) -> Any:
        if self.role == "source":
            return protocol.add_source(_sbc(), self._pump)
        sink = protocol.add_sink(_sbc())
        sink.configuration = list(sink.capabilities)
        sink.on(sink.EVENT_RTP_PACKET, self._on_media)
        sink.on(sink.EVENT_START, lambda: self._event("start"))
        sink.on(sink.EVENT_SUSPEND, lambda: self._event("suspend"))
        return sink

    def _on_media(self, packet: Any) -> None:
        self.received_packets += 1
        self.received.extend(packet.payload)

    def _adopt(self, protocol: Any, connection: Any) -> None:
        self._protocol, self._connection = protocol, connection

        def ended(*_args: Any) -> None:
            if self._connection is connection:
                self._connection = self._protocol = None
                self._event("disconnected")

        connection.on("disconnection", ended)
        protocol.on(protocol.EVENT_CLOSE, ended)

    def serve(self) -> None:
        """Offer the role's SDP record and accept the board's AVDTP connection."""
        from bumble import a2dp, avdtp

        async def run() -> None:
            device = self.peer.device
            make = (
                a2dp.make_audio_source_service_sdp_records
                if self.role == "source"
                else a2dp.make_audio_sink_service_sdp_records
            )
            device.sdp_service_records = {
                **(device.sdp_service_records or {}),
                A2DP_RECORD_HANDLE: make(A2DP_RECORD_HANDLE),
            }
            listener = avdtp.Listener.for_device(device)

            def accepted(protocol: Any) -> None:
                endpoint = self._endpoint(protocol)
                self._adopt(protocol, protocol.l2cap_channel.connection)

                def opened() -> None:
                    self._stream = endpoint.stream
                    self._event("connected")

                endpoint.on(endpoint.EVENT_RTP_CHANNEL_OPEN, opened)

            listener.on(listener.EVENT_CONNECTION, accepted)

        self.peer.loop.run(run())

    def connect(self, address: str, timeout: float = 15.0) -> None:
        """Connect to the board's A2DP service (4.10.5: the phone, a source, connects to the sink) and
        open a stream to its endpoint of the other role."""
        from bumble import a2dp, avdtp, core

        async def run() -> None:
            connection = await self.peer.device.connect(address, transport=core.PhysicalTransport.BR_EDR)
            version = await avdtp.find_avdtp_service_with_connection(connection)
            if version is None:
                raise AssertionError(f"{address} offers no A2DP service (SDP)")
            protocol = await avdtp.Protocol.connect(connection, version)
            local = self._endpoint(protocol)
            await protocol.discover_remote_endpoints()
            if self.role == "source":
                remote = protocol.find_remote_sink_by_codec(
                    avdtp.AVDTP_AUDIO_MEDIA_TYPE, a2dp.A2DP_SBC_CODEC_TYPE
                )
            else:
                remote = next(
                    (e for e in protocol.remote_endpoints.values() if e.tsep == avdtp.AVDTP_TSEP_SRC), None
                )
            if remote is None:
                raise AssertionError(f"{address} has no A2DP endpoint of the other role")
            self._adopt(protocol, connection)
            stream = await protocol.create_stream(local, remote)
            await stream.open()
            self._stream = stream
            self._event("connected")

        self.peer.loop.run(run(), timeout=timeout)

    def start(self) -> None:
        """The peer starts its stream (a phone pressing play)."""

        async def run() -> None:
            await self._stream.start()

        self.peer.loop.run(run())

    def disconnect(self) -> None:
        async def run() -> None:
            if self._connection is not None:
                await self._connection.disconnect()

        self.peer.loop.run(run())
