"""Typed errors of the host-side peers: each says what was expected, what happened and where."""

from __future__ import annotations


class PeerError(Exception):
    """Base class of every error a host-side peer raises."""


class PrivilegedPortError(PeerError):
    """A peer was told to bind a standard port below 1024 (DNS 53, SNTP 123) without the privilege."""

    def __init__(self, peer: str, host: str, port: int) -> None:
        self.peer, self.host, self.port = peer, host, port
        super().__init__(
            f"{peer}: cannot bind its standard port {port} on {host}: that needs the capability "
            "CAP_NET_BIND_SERVICE (run as root, or setcap cap_net_bind_service=+ep on the Python binary), "
            f"or list the bench's own {peer} server in the rig's peers as provided_by: external, or name "
            "an unprivileged port in the rig's network.dns_sntp and redirect the standard one to it"
        )


class PortInUseError(PeerError):
    """The address a peer was told to bind is taken by another process."""

    def __init__(self, peer: str, host: str, port: int, detail: str = "") -> None:
        self.peer, self.host, self.port = peer, host, port
        hint = " (pass port 0 to let the system pick a free port)" if port else ""
        super().__init__(f"{peer}: cannot bind {host}:{port}: address already in use{hint}. {detail}".strip())


class ProgramMissingError(PeerError):
    """A system program a peer runs (e.g. mosquitto) is not installed."""

    def __init__(self, program: str, install_hint: str) -> None:
        self.program = program
        super().__init__(f"{program} is not installed or not executable; install it with: {install_hint}")


class PeerStartError(PeerError):
    """A peer did not come up (process exited, port never opened, bad configuration)."""


class ScriptMismatchError(PeerError):
    """A scripted peer expected some bytes and received others."""

    def __init__(self, step: int, expected: bytes, received: bytes, remote: str) -> None:
        self.step, self.expected, self.received = step, expected, received
        super().__init__(
            f"scripted peer, step {step}, from {remote}: expected {expected!r}, received {received!r}"
        )


class PeerRoleUnsupported(PeerError):
    """The rig's BLE peer cannot do what a test asks (bleak is a central: no advertising, no GATT server, no
    chosen pairing); the fixtures turn it into a skip naming the rig's ``ble_peer`` (fixtures/servers.py)."""

    def __init__(
        self, what: str, why: str = "bleak is a central's library (scan, connect, GATT client)"
    ) -> None:
        self.what = what
        super().__init__(
            f"the rig's BLE peer is bleak and cannot {what}: {why}; a rig with ble_peer kind bumble runs it"
        )
