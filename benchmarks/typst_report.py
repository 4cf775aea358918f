"""The select committee report as PDF typeset by Typst (the ``typst`` package: the Rust typesetter, which
writes tagged PDF and PDF/UA-1) from the same report blocks as the product's engine, WeasyPrint
(:mod:`reports.pdf`): the other side of ``benchmarks/pdf_engines.py``, which measures both. Not the product's
engine (README, "PDF engine: why WeasyPrint"): Typst decodes every chart image into memory, 2.1 GB at the
peak for the 200-metric report.

The blocks go to Typst as JSON data, read by the fixed template below: no text of the report is ever written
into Typst markup, so nothing in it needs escaping or can be read as markup. Each chart is an image file beside
the data (the stored JPEG, embedded as it is) with its alt text; tables have header rows and captions, headings
are real headings (PDF bookmarks), the document has its title and British English as its language.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from reports import chart_images, content
from reports.errors import ExportError
from snapshots import Comparison, Snapshot

TEMPLATE = r"""
#let data = json("report.json")
#let grey = rgb("#505a5f")
#let rule = rgb("#b1b4b6")
#set document(title: data.title, description: "Progress report")
#set text(font: ("DejaVu Sans", "Liberation Sans"), size: 9.5pt, lang: "en", region: "GB", fill: rgb("#0b0c0c"))
#set par(leading: 0.55em, spacing: 0.9em)
#set page(paper: "a4", margin: (top: 18mm, right: 16mm, bottom: 20mm, left: 16mm),
  footer: context if counter(page).get().first() > 1 {
    set text(8pt, fill: grey)
    [#data.title #h(1fr) Page #counter(page).display("1 of 1", both: true)]
  })
#show heading.where(level: 1): set text(17pt)
#show heading.where(level: 2): set text(12.5pt)
#show heading.where(level: 3): it => block(above: 12pt, below: 4pt, stroke: (top: 0.5pt + rule), inset: (top: 6pt),
  width: 100%, text(11pt, it))
#show heading.where(level: 4): set text(10pt)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.caption.where(kind: table): it => align(left, strong(it.body))
#show figure.where(kind: table): set block(breakable: true)
#show figure: set align(left)
#set table(stroke: 0.5pt + rule, inset: (x: 4pt, y: 2.5pt), fill: (_, y) => if y == 0 { rgb("#f3f2f1") })

#let tbl(caption, headers, rows) = figure(kind: table, supplement: none, numbering: none, caption: caption,
  table(columns: (1fr,) * headers.len(), table.header(..headers.map(strong)), ..rows.flatten()))

#for b in data.blocks {
  if b.k == "cover" {
    let body = {
      text(14pt, b.organisation)
      heading(level: 1, text(if b.full { 26pt } else { 20pt }, b.title))
      text(14pt)[Progress report for #b.period, version #b.version]
      v(if b.full { 20pt } else { 6pt })
      grid(columns: (40mm, 1fr), row-gutter: 4pt, ..b.items.map(((k, v)) => (strong(k), v)).flatten())
      if b.note != "" { block(fill: rgb("#fff7bf"), stroke: (left: 4pt + rgb("#8a4a00")), inset: 6pt, b.note) }
      text(8.5pt, fill: grey, b.source)
    }
    if b.full { block(height: 240mm, align(horizon, body)) } else {
      block(stroke: (bottom: 2pt), inset: (bottom: 8pt), width: 100%, body) }
  } else if b.k == "h" {
    if b.newpage { pagebreak(weak: true) }
    heading(level: b.level, b.text)
  } else if b.k == "p" {
    if b.style == "small" { par(text(8.5pt, fill: grey, b.text)) }
    else if b.style == "status" { par(strong(b.text)) }
    else if b.style == "notice" { block(fill: rgb("#fff7bf"), stroke: (left: 4pt + rgb("#8a4a00")), inset: 6pt, b.text) }
    else { par(b.text) }
  } else if b.k == "ul" {
    list(..b.items)
  } else if b.k == "table" {
    tbl(b.caption, b.headers, b.rows)
  } else if b.k == "chart" {
    figure(image(b.image, width: 82%, alt: b.alt), supplement: none, numbering: none,
      caption: figure.caption(text(8.5pt, fill: grey, b.caption)))
  } else if b.k == "figures" {
    grid(columns: (1fr, 1fr), column-gutter: 10pt,
      tbl("Figures", ("Measure", "Figure"), b.figures),
      if b.recent.len() > 0 { tbl(b.recent_caption, ("Period", "Value", "95% CI"), b.recent) }
      else [No published figures.])
  }
}
"""


def _cover(c: content.Cover) -> dict[str, Any]:
    items = [("Organisation", c.organisation), ("Period", c.period), ("Version", str(c.version)),
             ("Date of snapshot", c.date), ("Prepared by", c.created_by), ("Snapshot id", str(c.snapshot_id)),
             ("Definitions hash", c.definitions_hash)]
    return {"k": "cover", "title": c.title, "organisation": c.organisation, "period": c.period,
            "version": c.version, "items": items, "note": c.synthetic_note or "", "source": c.source,
            "full": c.full_page}


def _cells(rows) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in rows]


def document(snapshot: Snapshot, folder: Path, comparison: Comparison | None = None, scope: str = "full") -> None:
    """Write the report's data (``report.json``), its chart images and the template (``report.typ``) into
    ``folder``: everything Typst reads."""
    blocks = content.build(snapshot, comparison, scope)
    charts = [b for b in blocks if isinstance(b, content.Chart)]
    images = dict(zip(map(id, charts), chart_images.images([c.figure for c in charts])))
    out: list[dict[str, Any]] = []
    pending_break = False
    for block in blocks:
        if isinstance(block, content.PageBreak):
            pending_break = True
        elif isinstance(block, content.Cover):
            out.append(_cover(block))
            pending_break = block.full_page
        elif isinstance(block, content.Heading):
            out.append({"k": "h", "level": block.level, "text": block.text, "newpage": pending_break})
            pending_break = False
        elif isinstance(block, content.Paragraph):
            out.append({"k": "p", "text": block.text, "style": block.style or ""})
        elif isinstance(block, content.BulletList):
            out.append({"k": "ul", "items": list(block.items)})
        elif isinstance(block, content.Table):
            out.append({"k": "table", "caption": block.caption, "headers": list(block.headers),
                        "rows": _cells(block.rows)})
        elif isinstance(block, content.Chart):
            image = images[id(block)]
            name = f"chart-{len(out)}.{'jpg' if chart_images.mime_type(image) == 'image/jpeg' else 'png'}"
            (folder / name).write_bytes(image)
            out.append({"k": "chart", "image": name, "alt": block.alt, "caption": block.caption})
        elif isinstance(block, content.Figures):
            out.append({"k": "figures", "figures": _cells(block.figures), "recent": _cells(block.recent),
                        "recent_caption": f"Latest {len(block.recent)} periods"})
        else:
            raise TypeError(f"the Typst renderer has no case for {type(block).__name__}")
    (folder / "report.json").write_text(json.dumps({"title": snapshot.label, "blocks": out}))
    (folder / "report.typ").write_text(TEMPLATE)


def render(snapshot: Snapshot, path: Path, comparison: Comparison | None = None, scope: str = "full") -> Path:
    try:
        import typst
    except ImportError as exc:  # the Typst engine is an optional extra
        raise ExportError("the Typst measurement needs the typst package: pip install 'outcomes-dashboard[bench]'"
                          ) from exc
    with tempfile.TemporaryDirectory(prefix="outcomes-typst-") as work:
        folder = Path(work)
        document(snapshot, folder, comparison, scope)
        try:
            typst.compile(str(folder / "report.typ"), output=str(path), root=str(folder), pdf_standards="ua-1")
        except typst.TypstError as exc:
            raise ExportError(f"Typst could not typeset the report: {exc.message}") from exc
    return path
