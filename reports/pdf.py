"""The select committee report as PDF: HTML from the report blocks, rendered by WeasyPrint.

Real headings (h1-h4, which become PDF bookmarks), each chart an image with alt text and
a table of its figures beside it, tables with header cells and captions."""

from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path
from typing import Sequence

from reports import chart_images, content
from reports.model import (FIGURES_CAPTION, FIGURES_HEADERS, NO_RECENT, RECENT_HEADERS, Renderer, Report,
                           cover_items, cover_subtitle, recent_caption, report_for)
from reports.errors import ExportError
from snapshots import Comparison, Snapshot

CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-left { content: string(doc-title); font-size: 8pt; color: #505a5f; }
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #505a5f; } }
@page:first { @bottom-left { content: none; } @bottom-right { content: none; } }
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 9.5pt; color: #0b0c0c; line-height: 1.4; }
h1 { font-size: 17pt; margin: 0 0 8pt; string-set: section content(); }
h2 { font-size: 12.5pt; margin: 14pt 0 4pt; }
h3 { font-size: 11pt; margin: 12pt 0 3pt; border-top: 1px solid #b1b4b6; padding-top: 6pt; }
/* A heading keeps with what follows it: never stranded at the foot of a page. */
h1, h2, h3, h4 { break-after: avoid; }
h4 { font-size: 10pt; margin: 8pt 0 2pt; }
p { margin: 0 0 6pt; }
p.small { color: #505a5f; font-size: 8.5pt; }
p.status { font-weight: bold; }
p.notice { background: #fff7bf; border-left: 4pt solid #8a4a00; padding: 4pt 6pt; }
.break { break-before: page; }
table { border-collapse: collapse; margin: 4pt 0 10pt; width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 3pt; caption-side: top; }
th, td { border: 1px solid #b1b4b6; padding: 2.5pt 4pt; text-align: left; vertical-align: top; }
thead th { background: #f3f2f1; }
/* A source's name and web address, which may break after each '/', '_' and '.' (_breakable): the table would make it
   the narrowest column though it holds the most words of its row. */
td.cited { width: 40%; }
tbody th { font-weight: normal; background: #f8f8f8; width: 40%; }
figure { margin: 0 0 4pt; break-inside: avoid; }
figure img { width: 82%; }
figcaption { font-size: 8.5pt; color: #505a5f; }
.metric-block { break-inside: avoid; }
/* Figures beside the latest periods: a table layout, not flex (WeasyPrint's flex lays each box out several
   times: a 200-metric report took 54 s to lay out with flex and 30 s with this). */
.side { display: table; width: 100%; }
.side > div { display: table-cell; width: 50%; vertical-align: top; }
.side > div:first-child { padding-right: 10pt; }
.cover { height: 240mm; display: flex; flex-direction: column; justify-content: center; }
.cover.compact { height: auto; display: block; border-bottom: 2px solid #0b0c0c; margin-bottom: 8pt; }
.cover.compact h1 { font-size: 20pt; margin: 2pt 0; }
.cover.compact dl { margin-top: 6pt; font-size: 9pt; }
.cover h1 { font-size: 26pt; string-set: doc-title content(); }
.cover .org { font-size: 14pt; }
.cover dl { margin-top: 20pt; font-size: 11pt; }
.cover dt { font-weight: bold; float: left; width: 40mm; }
.cover dd { margin: 0 0 4pt 42mm; }
"""


#: Where a source's long file names and web addresses may break (``_breakable``): after each of these.
_BREAK_AFTER = re.compile(r"([/_.])")


def _breakable(text: str) -> str:
    """``text`` as HTML that may break after each '/', '_' and '.', so a source's file names and web address never
    make its table wider than the page: a zero-width space after each, which neither the words a reader copies nor
    the PDF's tags hold. CSS's overflow-wrap: anywhere on the cell laid Appendix B out in 1.7 s of CPU, not 0.5 s,
    and broke mid-word; a <wbr> (WeasyPrint draws it as a box of its own) took 1.2 s."""
    return escape(_BREAK_AFTER.sub("\\1\u200b", text))


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str | content.Cited]],
           row_headers: bool = False) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if row_headers and i == 0:
                cells.append(f'<th scope="row">{escape(str(cell))}</th>')
            elif isinstance(cell, content.Cited):
                link = f'<br><a href="{escape(cell.url)}">{_breakable(cell.url)}</a>' if cell.url else ""
                cells.append(f'<td class="cited">{_breakable(cell.name)}{link}</td>')
            else:
                cells.append(f"<td>{escape(str(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


class _Html(Renderer):
    """Each block as HTML (the walk over the blocks is ``reports.model.Renderer``'s)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def cover(self, block: content.Cover) -> None:
        dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in cover_items(block))
        note = f'<p class="notice">{escape(block.synthetic_note)}</p>' if block.synthetic_note else ""
        cls = "cover" if block.full_page else "cover compact"
        self.parts.append(f'<section class="{cls}"><p class="org">{escape(block.organisation)}</p>'
                          f'<h1>{escape(block.title)}</h1><p class="org">{escape(cover_subtitle(block))}</p>'
                          f'<dl>{dl}</dl>{note}<p class="small">{escape(block.source)}</p></section>')

    def heading(self, block: content.Heading, new_page: bool) -> None:
        cls = ' class="break"' if new_page else ""
        self.parts.append(f"<h{block.level}{cls}>{escape(block.text)}</h{block.level}>")

    def paragraph(self, block: content.Paragraph) -> None:
        style = f' class="{block.style}"' if block.style else ""
        self.parts.append(f"<p{style}>{escape(block.text)}</p>")

    def bullet_list(self, block: content.BulletList) -> None:
        self.parts.append("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in block.items) + "</ul>")

    def table(self, block: content.Table) -> None:
        self.parts.append(_table(block.caption, block.headers, block.rows))

    def chart(self, block: content.Chart, image: bytes) -> None:
        src = f"data:{chart_images.mime_type(image)};base64," + base64.b64encode(image).decode()
        self.parts.append(f'<figure><img src="{src}" alt="{escape(block.alt)}">'
                          f'<figcaption>{escape(block.caption)}</figcaption></figure>')

    def figures(self, block: content.Figures) -> None:
        figures = _table(FIGURES_CAPTION, FIGURES_HEADERS, block.figures, row_headers=True)
        recent = (_table(recent_caption(block), RECENT_HEADERS, block.recent) if block.recent
                  else f"<p>{NO_RECENT}</p>")
        self.parts.append(f'<div class="side"><div>{figures}</div><div>{recent}</div></div>')


def html(snapshot: Snapshot, comparison: Comparison | None = None, scope: str = "full") -> str:
    """The report as the HTML WeasyPrint lays out, from the report model (assembled once per snapshot, comparison
    and scope, and shared with the Word report: ``reports.model.report_for``)."""
    return report_html(report_for(snapshot, comparison, scope))


def report_html(report: Report) -> str:
    """The HTML of the report's blocks (``html`` gives the snapshot's whole report)."""
    writer = _Html()
    writer.render_blocks(report)
    title = escape(report.snapshot.label)
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="description" content="Progress report"><style>{CSS}</style></head>'
            f'<body>{"".join(writer.parts)}</body></html>')


def _page_references_kept() -> None:
    """Make pydyf's ``PDF.page_references`` build its tuple once per page count, not on every read.

    pydyf rebuilds it (a bytes reference for every page) each time it is read, and WeasyPrint reads it once per
    tagged element while writing the structure tree of a tagged PDF (``weasyprint/pdf/tags.py``): quadratic in
    pages. Writing Warwickshire's 172-page report spent 10.6 of its 50 s there (3.5 million generator steps).
    Still so in the latest releases, pydyf 0.13.0 and WeasyPrint 70.0. Pages are only ever added (``add_page``
    extends ``Kids``), so the tuple is right until the number of pages changes. ``tests/test_pdf_engine.py`` checks
    the kept tuple against pydyf's own after pages are added."""
    import pydyf

    original = pydyf.PDF.__dict__.get("page_references")
    if not isinstance(original, property) or getattr(original.fget, "kept", False):
        return

    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        count = len(pdf.pages["Kids"])
        kept = pdf.__dict__.get("_page_references_kept")
        if kept is None or kept[0] != count:
            kept = (count, original.fget(pdf))
            pdf.__dict__["_page_references_kept"] = kept
        return kept[1]

    page_references.kept = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)


def render(snapshot: Snapshot, path: Path, comparison: Comparison | None = None, scope: str = "full") -> Path:
    try:
        from weasyprint import HTML
    except ImportError as exc:  # the PDF stack is an optional extra
        raise ExportError("PDF export needs WeasyPrint, which is not installed; install it with "
                          "pip install 'outcomes-dashboard[pdf]'") from exc
    except OSError as exc:  # installed, but the system libraries it draws text with are missing
        raise ExportError(f"WeasyPrint cannot load its system libraries ({exc}); install Pango "
                          "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)") from exc

    _page_references_kept()
    document = HTML(string=html(snapshot, comparison, scope), base_url=str(path.parent))
    try:
        document.write_pdf(str(path), pdf_variant="pdf/ua-1")
    except (ValueError, TypeError, AssertionError):  # older WeasyPrint without PDF/UA: plain PDF
        document.write_pdf(str(path))
    return path
