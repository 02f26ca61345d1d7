"""SSL client settings (3.3.26-3.3.32): AT+CIPSSLCCONF, AT+CIPSSLCCIPHER, AT+CIPSSLCCN, AT+CIPSSLCSNI,
AT+CIPSSLCALPN, AT+CIPSSLCPSK, AT+CIPSSLCPSKHEX, and the TLS contexts built from them.

Certificates and keys come from the board's mfg_nvs PKI namespaces (written with AT+SYSMFG):
``client_cert.<pki_number>``/``client_key.<pki_number>`` and ``client_ca.<ca_number>``. TLS is capped at
1.2, as the firmware's mbedTLS configuration is, so a server refusing the board's certificate fails the
handshake itself (with TLS 1.3 that would only show after it).

PSK (AT+CIPSSLCPSK/PSKHEX): Python's ssl module offers PSK from 3.13 only. Where it is missing, the setting is
stored and reported but handshakes use certificates alone (a PSK-only server cannot be reached); where it is
present, the PSK is offered.
"""

from __future__ import annotations

import binascii
import ssl
from pathlib import Path

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import CommandDef, command
from sim.board import Board
from sim.commands.tcpip import MAX_LINKS, SslConf, net, save
from sim.commands.tcpip_pki import factory_pem
from sim.net.resolve import literal_address

CIPSSLCCONF = command("AT+CIPSSLCCONF", section="3.3.26")
CIPSSLCCIPHER = command("AT+CIPSSLCCIPHER", section="3.3.27")
CIPSSLCCN = command("AT+CIPSSLCCN", section="3.3.28")
CIPSSLCSNI = command("AT+CIPSSLCSNI", section="3.3.29")
CIPSSLCALPN = command("AT+CIPSSLCALPN", section="3.3.30")
CIPSSLCPSK = command("AT+CIPSSLCPSK", section="3.3.31")
CIPSSLCPSKHEX = command("AT+CIPSSLCPSKHEX", section="3.3.32")

#: IANA cipher suite numbers (mbedTLS ssl_ciphersuites.h) the simulated client knows, with OpenSSL's names.
CIPHERS: dict[int, str] = {
    0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256",
    0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384",
    0xC02F: "ECDHE-RSA-AES128-GCM-SHA256",
    0xC030: "ECDHE-RSA-AES256-GCM-SHA384",
    0xC023: "ECDHE-ECDSA-AES128-SHA256",
    0xC027: "ECDHE-RSA-AES128-SHA256",
    0xC009: "ECDHE-ECDSA-AES128-SHA",
    0xC013: "ECDHE-RSA-AES128-SHA",
    0x009C: "AES128-GCM-SHA256",
    0x009D: "AES256-GCM-SHA384",
    0x002F: "AES128-SHA",
    0x0035: "AES256-SHA",
    0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305",
    0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305",
}


def load_pki(board: Board, namespace: str, index: int) -> Path | None:
    """The PEM of ``<namespace>.<index>`` in mfg_nvs, as a file the ssl module can load (None: absent).

    Index 0 of the client/server families falls back to the board's factory PKI
    (:func:`sim.commands.tcpip_pki.factory_pem`) when mfg_nvs has no such key, as a module flashed with the
    default firmware carries certificates before anyone writes its own."""
    value = board.mfg.get(namespace, f"{namespace}.{index}")
    data = value.as_bytes() if value is not None else (factory_pem(board, namespace) if index == 0 else None)
    if data is None:
        return None
    path = board.state_dir / "tls" / f"{namespace}.{index}.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class TlsSetupError(Exception):
    """The configuration names certificates the board does not have."""


def client_context(board: Board, conf: SslConf, host: str) -> tuple[ssl.SSLContext, str | None]:
    """The TLS client context of one link and the server name to send (SNI / name to verify)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    verify = conf.auth_mode in (2, 3)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    if verify:
        ca = load_pki(board, "client_ca", conf.ca_number)
        if ca is None:
            raise TlsSetupError(f"no client_ca.{conf.ca_number} in mfg_nvs")
        ctx.load_verify_locations(ca)
    if conf.auth_mode in (1, 3):
        cert = load_pki(board, "client_cert", conf.pki_number)
        key = load_pki(board, "client_key", conf.pki_number)
        if cert is None or key is None:
            raise TlsSetupError(f"no client_cert.{conf.pki_number}/client_key.{conf.pki_number} in mfg_nvs")
        ctx.load_cert_chain(cert, key)
    if conf.alpn:
        ctx.set_alpn_protocols(conf.alpn)
    if conf.ciphers:
        names = [CIPHERS[c] for c in conf.ciphers if c in CIPHERS]
        if names:
            ctx.set_ciphers(":".join(names))
    if conf.psk and hasattr(ctx, "set_psk_client_callback"):  # Python 3.13+
        psk, hint = conf.psk, conf.psk_hint
        ctx.set_psk_client_callback(lambda _server_hint: (hint or None, psk))  # type: ignore[attr-defined]
    name = conf.sni or conf.common_name or (None if literal_address(host) else host)
    if verify and conf.common_name:
        # AT+CIPSSLCCN names what the server certificate must say; it is checked as the host name
        ctx.check_hostname = True
        name = conf.common_name if not conf.sni else conf.sni
    return ctx, name


def _targets(ctx: CommandContext, link_id: int) -> list[SslConf]:
    rt = net(ctx.board)
    return rt.ssl if link_id == MAX_LINKS else [rt.ssl[link_id]]


def _split_link(ctx: CommandContext) -> tuple[int, int]:
    """(link ID, index of the first setting): single connection means link 0."""
    if net(ctx.board).mux:
        return ctx.args.int(0, 0, MAX_LINKS), 1
    return 0, 0


def _ids(ctx: CommandContext) -> range:
    return range(MAX_LINKS) if net(ctx.board).mux else range(1)


# --- AT+CIPSSLCCONF ------------------------------------------------------------------------------------


@CIPSSLCCONF.query
async def cipsslcconf_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    for i in _ids(ctx):
        c = rt.ssl[i]
        ctx.reply(f"+CIPSSLCCONF:{i},{c.auth_mode},{c.pki_number},{c.ca_number}")


@CIPSSLCCONF.set
async def cipsslcconf_set(ctx: CommandContext) -> None:
    link_id, base = _split_link(ctx)
    a = ctx.args
    a.count(base + 1, base + 3)
    mode = a.int(base, 0, 3)
    pki = a.int(base + 1, 0, 255, default=0)
    ca = a.int(base + 2, 0, 255, default=0)
    for c in _targets(ctx, link_id):
        c.auth_mode, c.pki_number, c.ca_number = mode, pki, ca
    rt = net(ctx.board)
    # 3.3.26: kept in NVS (the power-up SSL passthrough uses it), as AT+SYSSTORE allows (3.1 lists it)
    save(ctx.board, "sslcconf", [[c.auth_mode, c.pki_number, c.ca_number] for c in rt.ssl])


# --- AT+CIPSSLCCIPHER ----------------------------------------------------------------------------------


@CIPSSLCCIPHER.query
async def cipsslccipher_query(ctx: CommandContext) -> None:
    """The suites the client offers: the ones set for link 0 (the single connection), else all it knows."""
    configured = net(ctx.board).ssl[0].ciphers
    for idx, suite in enumerate(configured or list(CIPHERS)):
        ctx.reply(f"+CIPSSLCCIPHER:{idx},0x{suite:04X}")


@CIPSSLCCIPHER.set
async def cipsslccipher_set(ctx: CommandContext) -> None:
    link_id, base = _split_link(ctx)
    a = ctx.args
    counts = a.int(base, 0, 64)
    a.count(base + 1 + counts)
    suites = [a.int(base + 1 + i, 0, 0xFFFF) for i in range(counts)]
    for c in _targets(ctx, link_id):
        c.ciphers = suites


# --- AT+CIPSSLCCN, AT+CIPSSLCSNI ----------------------------------------------------------------------


def _string_setting(cmd: CommandDef, attr: str) -> None:
    """AT+CIPSSLCCN and AT+CIPSSLCSNI (3.3.28, 3.3.29) differ only in the per-link string they keep: the
    query prints ``+<NAME>:<link ID>,"<value>"`` per link, the set takes ``[<link ID>,]<"value">`` (1..64)."""
    prefix = cmd.name[len("AT") :]

    @cmd.query
    async def query(ctx: CommandContext) -> None:
        rt = net(ctx.board)
        for i in _ids(ctx):
            ctx.reply(f'{prefix}:{i},"{getattr(rt.ssl[i], attr)}"')

    @cmd.set
    async def set_(ctx: CommandContext) -> None:
        link_id, base = _split_link(ctx)
        ctx.args.count(base + 1)
        value = ctx.args.str(base, max_len=64, min_len=1)
        for c in _targets(ctx, link_id):
            setattr(c, attr, value)


_string_setting(CIPSSLCCN, "common_name")
_string_setting(CIPSSLCSNI, "sni")


# --- AT+CIPSSLCALPN -----------------------------------------------------------------------------------


@CIPSSLCALPN.query
async def cipsslcalpn_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    for i in _ids(ctx):
        ctx.reply(f"+CIPSSLCALPN:{i}" + "".join(f',"{p}"' for p in rt.ssl[i].alpn))


@CIPSSLCALPN.set
async def cipsslcalpn_set(ctx: CommandContext) -> None:
    link_id, base = _split_link(ctx)
    a = ctx.args
    counts = a.int(base, 0, 5)
    a.count(base + 1 + counts)
    protocols = [a.str(base + 1 + i, min_len=1, max_len=255) for i in range(counts)]
    for c in _targets(ctx, link_id):
        c.alpn = protocols


# --- AT+CIPSSLCPSK, AT+CIPSSLCPSKHEX -----------------------------------------------------------------


async def _psk_set(ctx: CommandContext, *, hexadecimal: bool) -> None:
    link_id, base = _split_link(ctx)
    a = ctx.args
    a.count(base + 2)
    text = a.str(base, max_len=64 if hexadecimal else 32)
    hint = a.str(base + 1, max_len=32)
    if hexadecimal:
        try:
            psk = binascii.unhexlify(text)
        except (binascii.Error, ValueError) as e:
            raise ctx.fail(errors.para_invalid(base), f"PSK is not hexadecimal: {text!r}") from e
    else:
        psk = text.encode("utf-8", errors="surrogateescape")
    for c in _targets(ctx, link_id):
        c.psk, c.psk_hint = psk, hint


@CIPSSLCPSK.query
async def cipsslcpsk_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    for i in _ids(ctx):
        c = rt.ssl[i]
        ctx.reply(f'+CIPSSLCPSK:{i},"{c.psk.decode("utf-8", errors="replace")}","{c.psk_hint}"')


@CIPSSLCPSK.set
async def cipsslcpsk_set(ctx: CommandContext) -> None:
    await _psk_set(ctx, hexadecimal=False)


@CIPSSLCPSKHEX.query
async def cipsslcpskhex_query(ctx: CommandContext) -> None:
    rt = net(ctx.board)
    for i in _ids(ctx):
        c = rt.ssl[i]
        ctx.reply(f'+CIPSSLCPSKHEX:{i},"{c.psk.hex()}","{c.psk_hint}"')


@CIPSSLCPSKHEX.set
async def cipsslcpskhex_set(ctx: CommandContext) -> None:
    await _psk_set(ctx, hexadecimal=True)
