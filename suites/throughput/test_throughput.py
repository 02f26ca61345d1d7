"""Throughput through the board's AT port (Compile_and_Develop/How_to_optimize_throughput; FAQ: measure in
passthrough with 1460-byte writes sent back to back) for TCP, UDP and SSL, upload (host -> peer) and
download (peer -> host), over the rig's ladder of AT+UART_CUR rates (3.1.10).

Modes: Wi-Fi passthrough (3.3.8 AT+CIPSEND execute form with AT+CIPMODE=1), AT+CIPSEND and AT+CIPSENDL
(3.3.8, 3.3.9) in normal transmission mode, active ``+IPD`` and passive AT+CIPRECVDATA (3.3.34-3.3.35)
receive. Every transfer is verified byte for byte (TCP/SSL: length and SHA-256 at the far end; UDP:
sequence-numbered datagrams, loss per the rig's ``udp_max_loss``) before its rate is judged against the
rig's limit, a fraction of the line's ceiling (baud x data bits / bits per frame).
"""

from __future__ import annotations

import pytest

from rigs.model.targets import MODES, TRANSPORTS
from suites.throughput.transfer import Case, Result, make_peer, run, transfer_size

pytestmark = [pytest.mark.throughput, pytest.mark.bench_risk, pytest.mark.usefixtures("fresh_board")]

#: Passive receive gives UDP no back-pressure (3.3.34: a full buffer loses datagrams), so a paced sender
#: would only measure its own rate: UDP downloads are measured with +IPD and passthrough.
SKIPPED = {("udp", "download", "ciprecvdata")}

CASES = [
    pytest.param(Case(t, d, m), id=f"{t}-{d}-{m}")
    for t in TRANSPORTS
    for d, modes in MODES.items()
    for m in modes
    if (t, d, m) not in SKIPPED
]


@pytest.mark.parametrize("case", CASES)
def test_throughput(
    case,
    throughput_baud,
    throughput_line,
    throughput_attempts,
    dut,
    esp_rig,
    esp_pki,
    esp_peer_factory,
    joined,
) -> None:
    """Move ``transfer_seconds`` of line time through the board, verify every byte, judge the rate; a rate
    below its limit is measured again, up to the rig's ``retries`` (every attempt is kept, the last one
    decides). A transfer that loses or changes a byte fails at once: retries are for the rate only. On a
    rig with ``host_stalls`` (sim rigs) a probe thread runs during each attempt and the verdict allows
    the time the host stalled (suites/throughput/stalls.py)."""
    line = throughput_line
    targets = esp_rig.targets.throughput
    total = transfer_size(case, line.ceiling, targets.transfer_seconds)
    ssl_context = esp_pki.server_context() if case.transport == "ssl" else None

    def once(attempt: int) -> Result:
        peer = make_peer(case, total, str(esp_rig.network.host_address), ssl_context)
        esp_peer_factory(peer)
        return run(dut, esp_rig, case, peer, total, line.ceiling)

    throughput_attempts(case, line, once)
