"""What every report page shares: escaping, the page frame with inline CSS and JS (no network, readable
from a file), result badges. The pages themselves are reports/index_page.py and reports/compare_page.py.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import quote

CSS = """
:root{--pass:#1a7f37;--fail:#cf222e;--skip:#9a6700;--none:#6e7781;--marg:#bc4c00;--bg:#f6f8fa;--line:#d0d7de}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg)}
header h1{margin:0 0 4px;font-size:20px}
main{padding:8px 24px 48px;max-width:1400px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--bg);padding:6px 8px;margin:4px 0;overflow-x:auto;
  white-space:pre-wrap;word-break:break-all}
details{margin:2px 0}
summary{cursor:pointer}
.b{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;
  white-space:nowrap}
.pass,.passed,.checked-pass{background:var(--pass)}
.fail,.failed,.error,.xpassed,.checked-fail,.test-failed{background:var(--fail)}
.skip,.skipped{background:var(--skip)} .xfail,.xfailed{background:var(--marg)}
.none,.not-covered,.not-replayed{background:var(--none)}
.partly-checked{background:#4d8a5a} .refusals-only{background:#8250df} .declared-unchecked{background:#953800}
.marginal{background:var(--marg)}
.verdict-ok{color:var(--pass)} .verdict-bad{color:var(--fail)}
.muted{color:#57606a} .small{font-size:12px} .nowrap{white-space:nowrap}
.exp{color:var(--pass)} .act{color:var(--fail)}
.tests a,.tests span{display:block;word-break:break-all}
.failure{border-left:4px solid var(--fail);padding:2px 10px;margin:10px 0}
.headline{white-space:pre-wrap}
.plots .grid{display:flex;flex-wrap:wrap;gap:8px}
.plots figure{margin:0;width:440px;max-width:100%}
.plots img{width:100%;border:1px solid var(--line)}
#filter{padding:3px 6px;width:360px}
"""

# A filter for long tables (marked data-filter): rows whose text lacks the typed words are hidden.
JS = """
document.addEventListener('input',function(e){
  if(e.target.id!=='filter')return;
  var words=e.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll('table[data-filter] tbody tr').forEach(function(tr){
    var t=tr.textContent.toLowerCase();
    tr.hidden=!words.every(function(w){return t.indexOf(w)>=0;});
  });
});
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def href(path: str) -> str:
    """A link to a file of the report folder (relative paths stay relative, so the folder can move)."""
    return esc(quote(path, safe="/:#"))


def badge(result: str) -> str:
    """A coloured result: a form state (checked-pass, declared-unchecked ...), a test outcome, an example
    result or a measurement outcome."""
    cls = result.replace(" ", "-")
    return f'<span class="b {esc(cls)}">{esc(result)}</span>'


def anchor(prefix: str, test_id: str) -> str:
    """A stable, HTML-safe element id for a test."""
    return prefix + "-" + "".join(c if c.isalnum() else "_" for c in test_id)[-180:]


def table(head: Iterable[str], rows: Iterable[str], *, attrs: str = "") -> str:
    """``rows`` are already-rendered ``<tr>`` strings; ``head`` is plain text."""
    ths = "".join(f"<th>{esc(h)}</th>" for h in head)
    return f"<table{attrs}><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def page(title: str, header: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body><header>{header}</header>\n<main>{body}</main>\n<script>{JS}</script></body></html>\n"
    )
