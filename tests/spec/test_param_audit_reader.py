"""Unit tests of the audit's own RST reader (tests/spec/test_param_audit.py) and of how it reports a
difference: a wrong value in spec/data must fail with the command, the parameter and both values."""

from __future__ import annotations

from spec.params import ParamSpec, Range
from tests.spec.test_param_audit import Stated, _differences, read_page

PAGE = """\
.. _cmd-X:

:ref:`AT+DEMO <X-AT>`: A Demo Command
-------------------------------------

Set Command
^^^^^^^^^^^

::

    AT+DEMO=<link ID>,<"pwd">[,<mode>]

Parameters
^^^^^^^^^^

-  **<link ID>**: ID of network connection (0~4), used for multiple connections.
-  **<"pwd">**: string parameter showing the password. Length: 8 ~ 63 bytes ASCII.
-  **[<mode>]**: the mode. Unit: second. Range: [100,2 :sup:`20`].

   -  0: off (default).
   -  1: on.

-  **<state>**:

   - Bit0: the first bit.

     - 0: cleared.
     - 1: set.

-  **<auto>**: auto flag. The default value is 1.

-  0: no.
-  1: yes.
"""


def _stated() -> dict[str, Stated]:
    return {s.name: s for s in read_page("Demo.rst", PAGE)}


def test_reader_facts() -> None:
    st = _stated()
    assert st["link ID"].ranges == {(0, 4)}
    assert (st["pwd"].quoted, st["pwd"].min_len, st["pwd"].max_len) == (True, 8, 63)
    mode = st["mode"]
    assert (mode.enum, mode.default, mode.ranges, mode.unit) == ({0, 1}, 0, {(100, 2**20)}, "second")
    assert (st["state"].bits, st["state"].enum) == ({0}, set())  # a bit's 0/1 are not values
    assert (st["auto"].enum, st["auto"].default) == ({0, 1}, 1)  # values beside the bullets
    assert st["link ID"].where == "Demo.rst:16 AT+DEMO <link ID>"


def test_a_difference_names_the_field_and_both_values() -> None:
    st = _stated()
    wrong = ParamSpec(name="link ID", range=(Range(min=0, max=5),))
    assert _differences(st["link ID"], wrong, set()) == ["range: guide [(0, 4)], spec [(0, 5)]"]
    text = ParamSpec(name="mode", type="str", optional=True)
    assert any(
        d.startswith("type: guide 'int") and d.endswith("spec 'str'")
        for d in _differences(st["mode"], text, set())
    )
    assert _differences(st["link ID"], None, set()) == [
        "missing: the list has it, spec/data has no such parameter"
    ]


def test_a_decided_field_is_not_reported() -> None:
    st = _stated()
    assert _differences(st["link ID"], ParamSpec(name="link ID"), {"range"}) == []
