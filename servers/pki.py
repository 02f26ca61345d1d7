"""A throw-away PKI for a rig: CA, server and client certificates, and an untrusted second CA.

Everything is written as PEM files to a directory the caller owns (fixtures pass a tmp dir). RSA
2048 is the default key type and ECDSA P-256 the alternative; ESP32 mbedTLS takes both.

The mfg_nvs namespaces a board reads its certificates from follow the guide's PKI table
(Compile_and_Develop/How_to_update_pki_config: client_*, server_*, mqtt_*, wss_*, https_*), and
:meth:`EspPki.sysmfg_items` gives the values to write with ``AT+SYSMFG=2,...,8,<length>`` (3.1).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import trustme
from cryptography import x509

DEFAULT_SERVER_NAMES = ("127.0.0.1", "localhost")


class KeyType(StrEnum):
    RSA = "rsa"
    ECDSA = "ecdsa"

    @property
    def trustme(self) -> trustme.KeyType:
        return trustme.KeyType.RSA if self is KeyType.RSA else trustme.KeyType.ECDSA


@dataclass(frozen=True)
class CertFiles:
    """A leaf certificate and its key on disk, with the PEM text at hand."""

    name: str
    cert: Path
    key: Path
    cert_pem: bytes
    key_pem: bytes

    @property
    def subject_cn(self) -> str:
        cert = x509.load_pem_x509_certificate(self.cert_pem)
        return str(cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


@dataclass(frozen=True)
class SysmfgItem:
    """One key-value pair to write into the board's mfg_nvs partition (binary type 8)."""

    namespace: str
    key: str
    value: bytes

    @property
    def command(self) -> str:
        """The AT+SYSMFG write command; the value follows after the ``>`` prompt."""
        return f'AT+SYSMFG=2,"{self.namespace}","{self.key}",8,{len(self.value)}'


# Families of mfg_nvs namespaces a board's clients (and its TLS server) read.
SYSMFG_FAMILIES = ("client", "mqtt", "wss", "https", "server")


class EspPki:
    """A CA (trusted by the rig), server and client leaves, and a wrong CA with its own leaves."""

    def __init__(
        self,
        directory: Path | str,
        key_type: KeyType | str = KeyType.RSA,
        server_names: tuple[str, ...] = DEFAULT_SERVER_NAMES,
        extra_sans: tuple[str, ...] = (),
        client_name: str = "esp32-board",
        reuse: bool = False,
    ) -> None:
        """Create fresh material in ``directory``; with ``reuse=True``, load what an earlier run
        wrote there (a bench provisions its boards once and keeps the files)."""
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key_type = KeyType(key_type)
        self.server_names = tuple(dict.fromkeys(server_names + extra_sans))
        self.client_name = client_name
        if reuse and (self.directory / "ca.key").exists():
            self._load()
            return
        kt = self.key_type.trustme
        self._ca = trustme.CA(organization_name="ESP-AT conformance test CA", key_type=kt)
        self._wrong_ca = trustme.CA(organization_name="ESP-AT conformance WRONG CA", key_type=kt)
        self.ca_cert = self._write("ca.crt", self._ca.cert_pem.bytes())
        self._write("ca.key", self._ca.private_key_pem.bytes())
        self.wrong_ca_cert = self._write("wrong_ca.crt", self._wrong_ca.cert_pem.bytes())
        self._write("wrong_ca.key", self._wrong_ca.private_key_pem.bytes())
        self.server = self._issue(self._ca, "server", self.server_names, self.server_names[0])
        self.client = self._issue(self._ca, "client", (client_name,), client_name)
        self.wrong_server = self._issue(
            self._wrong_ca, "wrong_server", self.server_names, self.server_names[0]
        )
        self.wrong_client = self._issue(self._wrong_ca, "wrong_client", (client_name,), client_name)

    def _load(self) -> None:
        d = self.directory
        self._ca = trustme.CA.from_pem((d / "ca.crt").read_bytes(), (d / "ca.key").read_bytes())
        self._wrong_ca = trustme.CA.from_pem(
            (d / "wrong_ca.crt").read_bytes(), (d / "wrong_ca.key").read_bytes()
        )
        self.ca_cert, self.wrong_ca_cert = d / "ca.crt", d / "wrong_ca.crt"

        def leaf(name: str) -> CertFiles:
            cert, key = d / f"{name}.crt", d / f"{name}.key"
            if not cert.exists() or not key.exists():
                raise FileNotFoundError(f"PKI directory {d} has ca.key but no {cert.name}/{key.name}")
            return CertFiles(name, cert, key, cert.read_bytes(), key.read_bytes())

        self.server, self.client = leaf("server"), leaf("client")
        self.wrong_server, self.wrong_client = leaf("wrong_server"), leaf("wrong_client")

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.read_bytes()

    def _write(self, name: str, data: bytes) -> Path:
        path = self.directory / name
        path.write_bytes(data)
        return path

    def _issue(self, ca: trustme.CA, name: str, sans: tuple[str, ...], cn: str) -> CertFiles:
        leaf = ca.issue_cert(*sans, common_name=cn, key_type=self.key_type.trustme)
        # Leaf only (no chain): a board stores exactly one certificate per mfg_nvs key.
        cert_pem = leaf.cert_chain_pems[0].bytes()
        key_pem = leaf.private_key_pem.bytes()
        return CertFiles(
            name, self._write(f"{name}.crt", cert_pem), self._write(f"{name}.key", key_pem), cert_pem, key_pem
        )

    def issue_client(self, name: str) -> CertFiles:
        """A client certificate (CN and SAN = ``name``) signed by the trusted CA, e.g. one per board."""
        return self._issue(self._ca, f"client_{name}", (name,), name)

    def issue_server(self, name: str, sans: tuple[str, ...]) -> CertFiles:
        """Another server certificate from the trusted CA, for a peer reached under other names."""
        return self._issue(self._ca, f"server_{name}", sans, sans[0])

    # --- ssl contexts for the host side -------------------------------------------------------
    def server_context(self, require_client_cert: bool = False, wrong: bool = False) -> ssl.SSLContext:
        """A TLS server context; ``wrong=True`` presents the untrusted CA's certificate."""
        leaf = self.wrong_server if wrong else self.server
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(leaf.cert, leaf.key)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.ca_cert)
        return ctx

    def client_context(
        self, cert: CertFiles | None = None, verify: bool = True, trust_wrong_ca: bool = False
    ) -> ssl.SSLContext:
        """A TLS client context that trusts the rig CA (or the wrong one) and presents ``cert``."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if verify:
            ctx.load_verify_locations(self.wrong_ca_cert if trust_wrong_ca else self.ca_cert)
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if cert is not None:
            ctx.load_cert_chain(cert.cert, cert.key)
        return ctx

    # --- provisioning a board ------------------------------------------------------------------
    def sysmfg_items(
        self, family: str = "client", index: int = 0, client: CertFiles | None = None
    ) -> list[SysmfgItem]:
        """CA, certificate and key for one mfg_nvs family, as ``AT+SYSMFG`` writes.

        ``family`` is one of :data:`SYSMFG_FAMILIES`; for ``server`` the server leaf is used (the
        board's own TLS server, AT+CIPSERVER), otherwise the client leaf.
        """
        if family not in SYSMFG_FAMILIES:
            raise ValueError(
                f"unknown mfg_nvs family {family!r}; expected one of {', '.join(SYSMFG_FAMILIES)}"
            )
        leaf = self.server if family == "server" else (client or self.client)
        return [
            SysmfgItem(f"{family}_ca", f"{family}_ca.{index}", self.ca_pem),
            SysmfgItem(f"{family}_cert", f"{family}_cert.{index}", leaf.cert_pem),
            SysmfgItem(f"{family}_key", f"{family}_key.{index}", leaf.key_pem),
        ]
