"""Chapter numbers of a release's command-set pages, from its own ``AT_Command_Set/index.rst`` toctree.

Releases other than v5.0.0.0 have no seed (the printed guide), so their section numbers are derived the way
the printed guide derives them: chapter 3.N is the N-th page of the index toctree (a chip prefix such as
``:esp32:`` is dropped, the page still counts), section 3.N.k the k-th command section of that page.
"""

from __future__ import annotations

import re
from pathlib import Path

_ENTRY = re.compile(r"^\s+(?::[^:]+:\s*)?.*?<(?P<page>[^>]+)>\s*$")


class ToctreeError(ValueError):
    """The index page has no toctree of command-set pages."""


def toctree_pages(index_text: str) -> list[str]:
    """The page names (without ``.rst``) of the first toctree, in order."""
    lines = index_text.split("\n")
    start = next((i for i, x in enumerate(lines) if x.strip() == ".. toctree::"), None)
    if start is None:
        raise ToctreeError("no '.. toctree::' directive in the index page")
    pages: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.strip().startswith(":maxdepth") or line.strip() == ":hidden:":
            if pages and not line.strip():
                break
            continue
        if not line.startswith((" ", "\t")):
            break
        m = _ENTRY.match(line)
        if m:
            pages.append(m.group("page").strip())
    if not pages:
        raise ToctreeError("the index page's toctree lists no page")
    return pages


def chapters(index: Path) -> dict[str, str]:
    """RST file name (``Basic_AT_Commands.rst``) -> chapter (``3.1``) for one release."""
    return {f"{p}.rst": f"3.{n}" for n, p in enumerate(toctree_pages(index.read_text(encoding="utf-8")), 1)}
