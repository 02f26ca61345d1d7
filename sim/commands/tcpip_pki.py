"""The factory PKI of a simulated module: what a module flashed with the default ESP-AT firmware holds in its
certificate namespaces before anyone provisions it (How_to_update_pki_config: client_ca/client_cert/client_key
and server_ca/server_cert/server_key, index 0).

The real firmware ships Espressif's test certificates; the simulator cannot carry those, so each board's state
directory gets its own: a "factory CA" and a client and a server leaf signed by it, made once with trustme
and kept under ``<state-dir>/tls/factory/``. They are used only where mfg_nvs has no key of that name
(the sim's emulated mfg_nvs starts with the factory parameters alone, so they are not listed by AT+SYSMFG).
"""

from __future__ import annotations

from pathlib import Path

from sim.board import Board

#: The names the server leaf answers to (the example client of 4.2 connects by address).
SERVER_NAMES = ("espressif.local", "localhost", "127.0.0.1")
CLIENT_NAME = "esp32-at-client"
_FILES = {
    "client_ca": "ca.pem",
    "server_ca": "ca.pem",
    "client_cert": "client_cert.pem",
    "client_key": "client_key.pem",
    "server_cert": "server_cert.pem",
    "server_key": "server_key.pem",
}


def factory_dir(board: Board) -> Path:
    return board.state_dir / "tls" / "factory"


def _make(directory: Path) -> None:
    import trustme  # here, not at the top: a board that never uses TLS does not carry it (about 8 MB)

    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="ESP-AT simulator factory CA")
    server = ca.issue_cert(*SERVER_NAMES, common_name=SERVER_NAMES[0])
    client = ca.issue_cert(CLIENT_NAME, common_name=CLIENT_NAME)
    (directory / "server_cert.pem").write_bytes(server.cert_chain_pems[0].bytes())
    (directory / "server_key.pem").write_bytes(server.private_key_pem.bytes())
    (directory / "client_cert.pem").write_bytes(client.cert_chain_pems[0].bytes())
    (directory / "client_key.pem").write_bytes(client.private_key_pem.bytes())
    (directory / "ca.pem").write_bytes(ca.cert_pem.bytes())  # written last: its presence marks a full set


def factory_pem(board: Board, namespace: str) -> bytes | None:
    """The factory PEM for ``<namespace>.0`` (None for namespaces outside the client/server families)."""
    name = _FILES.get(namespace)
    if name is None:
        return None
    directory = factory_dir(board)
    if not (directory / "ca.pem").exists():
        _make(directory)
    return (directory / name).read_bytes()
