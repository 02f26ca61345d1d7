"""The board's A2DP (3.5.11-3.5.15): AVDTP signalling and one media stream over bumble, on the board's
Classic stack (sim/radio/bt.py).

A real AVDTP exchange on the virtual air: the board publishes an Audio Source or Audio Sink SDP record
(A2DP 1.3 5.3 / 5.4) and accepts AVDTP on PSM 0x0019; or it connects, finds the peer's service by SDP,
discovers its stream endpoints, configures one (SET_CONFIGURATION), opens it (OPEN and the media transport
channel). START and SUSPEND move the stream between streaming and open; either side may send them
(AVDTP 1.3 8.13, 8.15), so the sink's "start play" of 3.5.15 is the sink's START.

What is modelled and what is not (sim/README.md says it too):

- The codec is SBC, the one every A2DP device has (A2DP 1.3 4.2), in one configuration (44.1 kHz, joint
  stereo). The media packets of the board's source carry the bytes of the file AT+BTA2DPSRC named,
  unchanged, in RTP packets of :data:`PAYLOAD_BYTES` at :data:`PACKET_INTERVAL_S`: the simulator does not
  decode mp3 or encode SBC (a real board does both); a peer sees a stream start, carry packets, stop.
- The board's sink counts what it receives (a real board hands it to I2S, 4.10.5's "Important" note);
  nothing of it is printed on the AT port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.radio.bt import BtRadio

#: 3.5.11 <role>
SOURCE, SINK = 1, 2
#: The SDP record handle of the board's A2DP service (SPP's is 0x00010001, sim/radio/bt.py).
A2DP_RECORD_HANDLE = 0x00010002
#: Media packets of the board's source: RTP payload size and pace (about 25 kB/s, an mp3 of 192 kbit/s).
PAYLOAD_BYTES = 512
PACKET_INTERVAL_S = 0.02
#: RTP payload type of the media packets (dynamic range, AVDTP 1.3 7.2 leaves it to the application).
PAYLOAD_TYPE = 96


def sbc_capabilities() -> Any:
    """The one SBC configuration both sides use (A2DP 1.3 4.3.2)."""
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


class FilePump:
    """The source's media: the bytes of the audio file, sent from where the last suspend left them.
    bumble's LocalSource calls ``start(rtp_channel)`` on START and ``stop()`` on SUSPEND."""

    def __init__(self) -> None:
        self.data = b""
        self.offset = 0
        self.sequence = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self, rtp_channel: Any) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._pump(rtp_channel))

    async def _pump(self, rtp_channel: Any) -> None:
        from bumble.rtp import MediaPacket

        while self.offset < len(self.data):
            chunk = self.data[self.offset : self.offset + PAYLOAD_BYTES]
            packet = MediaPacket(2, 0, 0, 0, self.sequence, self.offset, 0, [], PAYLOAD_TYPE, chunk)
            rtp_channel.write(bytes(packet))
            self.offset += len(chunk)
            self.sequence += 1
            await asyncio.sleep(PACKET_INTERVAL_S)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass


@dataclass
class A2dpProfile:
    """A2DP initialized on the board's stack in one role; at most one connection (3.5.12 <conn_index> 0).

    ``on_connected(address)`` runs when a stream to a peer is open (the board connected, or a peer did);
    ``on_disconnected(address)`` when that connection ends, whoever ended it."""

    radio: BtRadio
    role: int
    on_connected: Callable[[str], None]
    on_disconnected: Callable[[str], None]
    pump: FilePump = field(default_factory=FilePump)
    address: str | None = None
    connection: Any = None
    protocol: Any = None
    stream: Any = None
    #: media bytes and packets the board's sink received
    received_bytes: int = 0
    received_packets: int = 0
    _listener: Any = None

    def listen(self) -> None:
        """Publish the role's SDP record and accept AVDTP from a peer."""
        from bumble import a2dp, avdtp

        device = self.radio.device
        make = (
            a2dp.make_audio_source_service_sdp_records
            if self.role == SOURCE
            else a2dp.make_audio_sink_service_sdp_records
        )
        records = dict(device.sdp_service_records or {})
        records[A2DP_RECORD_HANDLE] = make(A2DP_RECORD_HANDLE)
        device.sdp_service_records = records
        self._listener = avdtp.Listener.for_device(device)
        self._listener.on(self._listener.EVENT_CONNECTION, self._accepted)

    def forget(self) -> None:
        """AT+BTA2DPINIT=0: the record goes, the AVDTP server stops accepting."""
        device = self.radio.device
        if device is None:
            return
        records = dict(device.sdp_service_records or {})
        records.pop(A2DP_RECORD_HANDLE, None)
        device.sdp_service_records = records
        from bumble import avdtp

        server = device.l2cap_channel_manager.servers.get(avdtp.AVDTP_PSM)
        if server is not None:
            server.close()

    def _endpoint(self, protocol: Any) -> Any:
        if self.role == SOURCE:
            return protocol.add_source(sbc_capabilities(), self.pump)
        sink = protocol.add_sink(sbc_capabilities())
        # a sink that configures the stream (it connected) asks for what it offers
        sink.configuration = list(sink.capabilities)
        sink.on(sink.EVENT_RTP_PACKET, self._on_media)
        return sink

    def _on_media(self, packet: Any) -> None:
        self.received_packets += 1
        self.received_bytes += len(packet.payload)

    def _accepted(self, protocol: Any) -> None:
        """A peer opened AVDTP signalling: one connection only; the stream is reported once open."""
        connection = protocol.l2cap_channel.connection
        if self.protocol is not None:  # a second peer: refused, the link it came on ended
            asyncio.get_running_loop().create_task(_quiet_disconnect(connection))
            return
        self.protocol = protocol
        endpoint = self._endpoint(protocol)
        address = str(connection.peer_address).split("/")[0].lower()

        def opened() -> None:
            self.stream = endpoint.stream
            self._adopt(address, connection)

        def closed_before_stream() -> None:  # signalling ended before a stream opened: free the slot
            if self.protocol is protocol and self.address is None:
                self.protocol = None

        endpoint.on(endpoint.EVENT_RTP_CHANNEL_OPEN, opened)
        protocol.on(protocol.EVENT_CLOSE, closed_before_stream)

    def _adopt(self, address: str, connection: Any) -> None:
        if self.address is not None:
            return
        self.address, self.connection = address, connection

        def ended(*_args: Any) -> None:
            if self.connection is not connection:
                return
            self._clear()
            self.on_disconnected(address)

        connection.on("disconnection", ended)
        self.protocol.on(self.protocol.EVENT_CLOSE, ended)
        self.on_connected(address)

    def _clear(self) -> None:
        self.address = self.connection = self.protocol = self.stream = None

    async def connect(self, address: str, timeout: float) -> None:
        """Page ``address``, find its A2DP service, configure and open a stream to its endpoint of the
        other role. ConnectionError (and nothing left connected) on any failure."""
        from bumble import avdtp, core

        connection = None
        try:
            async with asyncio.timeout(timeout):
                connection = await self.radio.device.connect(address, transport=core.PhysicalTransport.BR_EDR)
                version = await avdtp.find_avdtp_service_with_connection(connection)
                if version is None:
                    raise LookupError(f"{address} offers no A2DP service")
                protocol = await avdtp.Protocol.connect(connection, version)
                self.protocol = protocol
                local = self._endpoint(protocol)
                await protocol.discover_remote_endpoints()
                remote = _remote_of_other_role(protocol, self.role)
                if remote is None:
                    raise LookupError(f"{address} has no SBC endpoint of the other A2DP role")
                stream = await protocol.create_stream(local, remote)
                await stream.open()
                self.stream = stream
        except (Exception, TimeoutError) as exc:  # noqa: BLE001 - any failure is 3.5.12's -1 report
            self.protocol = None
            if connection is not None:
                await _quiet_disconnect(connection)
            raise ConnectionError(f"A2DP connection to {address} failed: {exc!r}") from exc
        self._adopt(address, connection)

    @property
    def streaming(self) -> bool:
        from bumble import avdtp

        return self.stream is not None and self.stream.state == avdtp.State.STREAMING

    async def start(self) -> None:
        """START (either role): the source's pump runs from where it was."""
        from bumble import avdtp

        if self.stream is not None and self.stream.state == avdtp.State.OPEN:
            await self.stream.start()

    async def suspend(self) -> None:
        from bumble import avdtp

        if self.stream is not None and self.stream.state == avdtp.State.STREAMING:
            await self.stream.stop()

    async def disconnect(self) -> str | None:
        """End the connection (the baseband link with it); returns the peer's address."""
        connection, address = self.connection, self.address
        self._clear()
        if connection is not None:
            await _quiet_disconnect(connection)
        return address


async def _quiet_disconnect(connection: Any) -> None:
    try:
        await connection.disconnect()
    except Exception:  # noqa: BLE001 - already gone
        pass


def _remote_of_other_role(protocol: Any, role: int) -> Any:
    from bumble import a2dp, avdtp

    if role == SOURCE:
        return protocol.find_remote_sink_by_codec(avdtp.AVDTP_AUDIO_MEDIA_TYPE, a2dp.A2DP_SBC_CODEC_TYPE)
    for endpoint in protocol.remote_endpoints.values():
        if endpoint.tsep == avdtp.AVDTP_TSEP_SRC and not endpoint.in_use:
            return endpoint
    return None
