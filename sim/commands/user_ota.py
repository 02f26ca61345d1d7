"""3.14.3 AT+USEROTA: upgrade the firmware from a URL the host types after the ``>`` prompt.

The handler is public (components/at/src/at_user_cmd.c, at_setup_cmd_userota, tag v5.0.0.0), and this module
does what it does: ``<url len>`` 1..8192 and the only parameter, else the plain ESP_AT_RESULT_CODE_ERROR;
``OK`` and ``>`` (OK_AND_INPUT_PROMPT); exactly ``<url len>`` bytes of URL, taken as they are (no escapes,
no CR LF: 3.14.3 notes); ``\\r\\nRecv <url len> bytes\\r\\n``; then esp_https_ota of the URL (an HTTP or
HTTPS GET, 10 s network timeout, redirects followed as esp_http_client does, the server not verified); on
success ``OK`` and a restart (``ready``), on any failure ``ERROR``.

The image is checked and installed as AT+CIUPDATE's (sim/commands/tcpip_ota.py): first byte 0xE9, the sim
header's version is what AT+GMR reports after the restart.
"""

from __future__ import annotations

from sim.at import errors
from sim.at.context import CommandContext
from sim.at.registry import command
from sim.commands.http_fetch import HttpFailed, Request, fetch
from sim.commands.tcpip_ota import OtaFailed, install_image
from sim.net.http_wire import Head, HttpWireError, parse_url
from sim.net.ota_image import OtaImageError, check_magic

USEROTA = command("AT+USEROTA", section="3.14.3")

#: at_user_cmd.c AT_USEROTA_URL_LEN_MAX (3.14.3: "Maximum: 8192 bytes")
URL_LEN_MAX = 8 * 1024
#: at_user_cmd.c: esp_http_client_config_t.timeout_ms
NETWORK_TIMEOUT_S = 10.0


@USEROTA.set
async def userota_set(ctx: CommandContext) -> None:
    with errors.plain_error():
        ctx.args.count(1, 1)
        length = ctx.args.int(0, 1, URL_LEN_MAX)
    ctx.ok()
    url_bytes = await ctx.prompt_and_read(length)
    if url_bytes is None:
        ctx.error(errors.exec_fail())  # after the prompt's OK: a final result of its own
        return
    ctx.write(f"\r\nRecv {length} bytes\r\n".encode())
    url_text = url_bytes.decode("utf-8", "replace")
    ctx.board.log(f"url is: {url_text}")
    image = bytearray()

    async def on_head(head: Head) -> None:
        ctx.board.log(f"http(https) connected: {head.status}")

    async def on_data(data: bytes) -> None:
        image.extend(data)

    try:
        url = parse_url(url_text)
        await fetch(
            ctx.board,
            Request("GET", url, []),
            timeout=NETWORK_TIMEOUT_S,
            follow_redirects=True,
            on_head=on_head,
            on_data=on_data,
        )
        check_magic("ota", bytes(image))
        install_image(ctx.board, "ota", bytes(image))
    except (HttpWireError, HttpFailed, OtaImageError, OtaFailed) as exc:
        ctx.board.log(f"at-user: upgrade from {url_text!r} failed: {exc}")
        ctx.error(errors.exec_fail())
        return
    ctx.ok()
    ctx.board.reboot_after_command()
