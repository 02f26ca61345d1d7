"""Transcript file names made from test ids: readable, unique, bounded."""

from fixtures.transcripts import transcript_file_name


def test_readable_name_from_node_id() -> None:
    name = transcript_file_name("suites/basic/test_gmr.py::test_gmr[AT+GMR/execute]")
    assert name == "suites_basic_test_gmr.py__test_gmr_AT+GMR_execute.txt"


def test_long_ids_are_shortened_but_stay_distinct() -> None:
    a = transcript_file_name("suites/x.py::test_" + "a" * 300 + "[1]")
    b = transcript_file_name("suites/x.py::test_" + "a" * 300 + "[2]")
    assert a != b and len(a) <= 160 and len(b) <= 160
