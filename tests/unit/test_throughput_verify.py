"""suites/throughput/verify.py and the throughput targets of the rig model: pure logic."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rigs.model.targets import ThroughputTargets
from servers.payload import encode_datagram
from suites.throughput.line import LineConfig
from suites.throughput.verify import TransferError, compare_stream, count_datagrams, scan_records, sha256

SIZE = 1460


def records(seqs: list[int]) -> list[bytes]:
    return [encode_datagram(s, SIZE, 0, 7) for s in seqs]


def test_line_ceiling_is_one_byte_per_frame() -> None:
    # 3.1.10: 8 data bits, 1 stop bit, no parity -> 10 bits a byte; 8E2 -> 12
    assert LineConfig(115200).ceiling == 11520.0
    assert LineConfig(5_000_000).ceiling == 500_000.0
    assert LineConfig(120_000, databits=8, stopbits=3, parity=2).ceiling == 10_000.0
    assert LineConfig(921600, flow_control=3).command == "AT+UART_CUR=921600,8,1,0,3"


def test_stream_cut_anywhere_into_packets_gives_every_record() -> None:
    stream = b"".join(records(list(range(10))))
    t = scan_records(stream, 10, SIZE, 7)
    assert (t.received, t.lost, t.reordered, t.stray_bytes, t.payload_bytes) == (10, 0, 0, 0, 10 * SIZE)
    t.check(0.0, "peer")


def test_lost_and_reordered_records_are_counted() -> None:
    stream = b"".join(records([0, 1, 3, 2, 5]))
    t = scan_records(stream, 6, SIZE, 7)
    assert (t.received, t.lost, t.reordered) == (5, 1, 1)
    with pytest.raises(TransferError, match=r"lost 16\.67% of the datagrams, the rig allows 0\.00%"):
        t.check(0.0, "peer")
    t.check(0.2, "peer")  # within a bench's loss policy


def test_a_damaged_record_fails_whatever_the_loss_policy() -> None:
    recs = records([0, 1, 2])
    bad = bytearray(recs[1])
    bad[100] ^= 0x5A
    t = scan_records(recs[0] + bytes(bad) + recs[2], 3, SIZE, 7)
    assert t.stray_bytes == SIZE and t.received == 2
    with pytest.raises(TransferError, match="damaged data"):
        t.check(1.0, "host")


def test_a_cut_datagram_is_stray_bytes() -> None:
    recs = records([0, 1, 2])
    t = scan_records(recs[0] + recs[1][:700] + recs[2], 3, SIZE, 7)
    assert (t.received, t.lost, t.stray_bytes) == (2, 1, 700)


def test_whole_datagrams_counted_one_by_one() -> None:
    t = count_datagrams(records([1, 0, 2, 2]), 4, SIZE, 7)
    assert (t.received, t.reordered, t.duplicates, t.lost) == (3, 1, 1, 1)


def test_stream_comparison_names_both_lengths_and_hashes() -> None:
    compare_stream("peer", 3, sha256(b"abc"), 3, sha256(b"abc"))
    with pytest.raises(TransferError, match=r"received 2 bytes \(sha256 [0-9a-f]{16}\), expected 3 bytes"):
        compare_stream("peer", 3, sha256(b"abc"), 2, sha256(b"ab"))


def test_targets_limit_by_longest_matching_key() -> None:
    t = ThroughputTargets.model_validate(
        {
            "default": {"min_fraction": 0.5},
            "measurements": {"tcp": {"min_fraction": 0.7}, "tcp-upload-passthrough": {"min_fraction": 0.9}},
            "bauds": [921600, 115200],
        }
    )
    assert t.limit("tcp-upload-passthrough").min_fraction == 0.9
    assert t.limit("tcp-download-ipd").min_fraction == 0.7
    assert t.limit("udp-upload-cipsend").min_fraction == 0.5
    assert t.bauds == [115200, 921600] and t.ladder(115200) == [115200, 921600]
    assert ThroughputTargets().ladder(460800) == [460800]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("measurements", {"tcp-send-passthrough": {"min_fraction": 0.5}}, "unknown throughput measurement"),
        ("bauds", [115200, 115200], "listed once"),
        ("bauds", [6_000_000], "80..5000000"),
        ("transfer_seconds", 0, "0.1..60.0 seconds"),
        ("udp_max_loss", 1.5, "0.0..1.0"),
    ],
)
def test_targets_refuse_bad_values_by_name(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ThroughputTargets.model_validate({field: value})


def test_transfer_sizes_are_whole_passthrough_packets() -> None:
    # 3.3.8: passthrough sends a 2920-byte packet as soon as that much is in; a remainder waits 20 ms.
    from suites.throughput.transfer import Case, transfer_size

    case = Case("tcp", "upload", "passthrough")
    assert transfer_size(case, 11520.0, 1.2) == 4 * 2920
    assert transfer_size(case, 500_000.0, 1.2) == 205 * 2920
    assert transfer_size(case, 100.0, 1.0) == 4 * 2920


# --- Bluetooth SPP measurements: their names, published figures, ladders of their own ---------------------

FAQ = "faq.rst:235 (v5.0.0.0)"


def test_spp_names_are_keys_and_fall_back_by_prefix() -> None:
    t = ThroughputTargets.model_validate(
        {
            "default": {"min_fraction": 0.5},
            "measurements": {"ble": {"min_fraction": 0.1}, "bt-download-passthrough": {"min_fraction": 0.3}},
        }
    )
    assert t.limit("ble-upload-server").min_fraction == 0.1
    assert t.limit("ble-download-client").min_fraction == 0.1
    assert t.limit("bt-download-passthrough").min_fraction == 0.3
    assert t.limit("bt-upload-passthrough").min_fraction == 0.5


def test_a_published_figure_is_the_limit_at_its_own_baud_only() -> None:
    # the guide's FAQ: Bluetooth LE 0.101 Mbps at 2000000 baud = 12625 payload bytes per second
    t = ThroughputTargets.model_validate(
        {
            "measurements": {
                "ble": {
                    "min_fraction": 0.05,
                    "marginal_band": 0.02,
                    "published": {"baud": 2_000_000, "bps": 101_000, "marginal_band": 0.1, "source": FAQ},
                }
            },
            "bauds": [115200, 2_000_000],
        }
    )
    limit = t.limit("ble-upload-server")
    assert limit.at(2_000_000, LineConfig(2_000_000).ceiling) == (12625.0, 1262.5)
    lower, band = limit.at(115200, LineConfig(115200).ceiling)
    assert (round(lower, 6), round(band, 6)) == (576.0, 230.4)  # 0.05 and 0.02 of 11520 B/s


def test_transport_ladders_replace_the_rigs_for_their_transport() -> None:
    t = ThroughputTargets.model_validate(
        {"bauds": [115200, 921600, 5_000_000], "transport_bauds": {"ble": [921600, 115200], "bt": [115200]}}
    )
    assert t.ladder(115200, "ble") == [115200, 921600]
    assert t.ladder(115200, "bt") == [115200]
    assert t.ladder(115200, "tcp") == t.ladder(115200) == [115200, 921600, 5_000_000]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"transport_bauds": {"zigbee": [115200]}}, "unknown transport zigbee: expected one of tcp, udp"),
        ({"transport_bauds": {"ble": []}}, "the ladder of \\['ble'\\] is empty"),
        ({"transport_bauds": {"bt": [115200, 115200]}}, "listed once"),
        ({"transport_bauds": {"bt": [6_000_000]}}, "80..5000000"),
        (
            {
                "measurements": {
                    "ble": {"min_fraction": 0.1, "published": {"baud": 2_000_000, "bps": 0, "source": FAQ}}
                }
            },
            "1.0..50000000.0 bits per second",
        ),
        (
            {
                "measurements": {
                    "ble": {"min_fraction": 0.1, "published": {"baud": 2_000_000, "bps": 101_000}}
                }
            },
            "source",
        ),
        (
            {
                "measurements": {
                    "ble": {
                        "min_fraction": 0.1,
                        "published": {"baud": 2_000_000, "bps": 101_000, "source": FAQ},
                    }
                },
                "bauds": [115200, 921600],
            },
            "ble: the published figure is for 2000000 baud, which the ladder \\[115200, 921600\\] does not",
        ),
        ({"measurements": {"ble-upload-spp": {"min_fraction": 0.1}}}, "unknown throughput measurement"),
    ],
)
def test_spp_targets_refuse_bad_values_by_name(value: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ThroughputTargets.model_validate(value)


def test_shipped_rigs_state_the_spp_limits() -> None:
    from rigs.loader import load_rig

    root = Path(__file__).resolve().parents[2]
    bench = load_rig(root / "rigs" / "bench-example.yaml").targets.throughput
    assert bench.limit("ble-upload-server").at(2_000_000, 200_000.0)[0] == 101_000 / 8
    assert bench.limit("bt-download-passthrough").at(2_000_000, 200_000.0)[0] == 560_000 / 8
    sim = load_rig(root / "rigs" / "sim.yaml").targets.throughput
    assert sim.ladder(115200, "ble") == sim.ladder(115200, "bt") == [115200, 921600]
    assert sim.limit("ble-upload-client").published is None  # the sim's air is not paced: the line's fraction
