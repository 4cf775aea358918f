"""The select committee report as an editable Word document (python-docx): the same
blocks as the PDF, with real heading styles, tables with header rows, and each chart
a picture with alt text (descr) next to its table of figures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Cm, Mm, Pt

from snapshots import Comparison, Snapshot
from reports import chart_images, content


#: British English, as the PDF (``<html lang="en-GB">``): Word's spelling and screen readers use it.
LANGUAGE = "en-GB"
#: A4 with the PDF's margins (``reports.pdf`` CSS ``@page``): python-docx's template is US Letter.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 18, "right": 16, "bottom": 20, "left": 16}


def set_a4(doc) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        for side, mm in MARGINS_MM.items():
            setattr(section, f"{side}_margin", Mm(mm))


def set_language(doc, language: str) -> None:
    """The document's language, where Word reads it. python-docx's template says en-US in the
    default run properties (docDefaults), which every style inherits, and names no language in
    the core properties: both are set, and any style that names its own language is changed too."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run_defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if run_defaults is None:
        raise ValueError("the Word template has no default run properties to set the language in")
    if run_defaults.find(qn("w:lang")) is None:  # w:lang comes after every other default run property
        run_defaults.append(OxmlElement("w:lang"))
    for lang in doc.styles.element.iter(qn("w:lang")):  # the defaults' and any style's own
        lang.set(qn("w:val"), language)
        lang.set(qn("w:eastAsia"), language)
    doc.core_properties.language = language


def _table(doc, caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]):
    doc.add_paragraph(caption, style="Caption").paragraph_format.keep_with_next = True  # with its table
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    # mark the first row as a header row repeated on each page
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = str(text)
    return table


def _picture(doc, image: bytes, alt: str) -> None:
    # The shape add_picture returns, not doc.inline_shapes[-1]: that searches the whole body for every
    # picture, which made a 400-chart report quadratic.
    inline = doc.add_picture(io.BytesIO(image), width=Cm(15))._inline
    inline.docPr.set("descr", alt)
    inline.docPr.set("title", alt.split(":")[0])


def _cover(doc, c: content.Cover) -> None:
    doc.add_paragraph(c.organisation)
    doc.add_heading(c.title, level=0)
    doc.add_paragraph(f"Progress report for {c.period}, version {c.version}")
    _table(doc, "About this report", ["Item", "Detail"],
           [["Period", c.period], ["Version", str(c.version)], ["Date of snapshot", c.date],
            ["Prepared by", c.created_by], ["Snapshot id", str(c.snapshot_id)],
            ["Definitions hash", c.definitions_hash]])
    if c.synthetic_note:
        doc.add_paragraph(c.synthetic_note)


def render(snapshot: Snapshot, path: Path, comparison: Comparison | None = None, scope: str = "full") -> Path:
    blocks = content.build(snapshot, comparison, scope)
    charts = [b for b in blocks if isinstance(b, content.Chart)]
    images = dict(zip(map(id, charts), chart_images.images([c.figure for c in charts])))
    doc = Document()
    set_a4(doc)
    set_language(doc, LANGUAGE)
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = snapshot.label
    doc.core_properties.author = snapshot.record.created_by
    doc.core_properties.subject = f"Snapshot {snapshot.id}, definitions hash {snapshot.record.definitions_hash}"
    pending_break = False
    for block in blocks:
        if isinstance(block, content.PageBreak):
            pending_break = True
        elif isinstance(block, content.Cover):
            _cover(doc, block)
            pending_break = block.full_page  # the committee variant's summary follows on the first page
        elif isinstance(block, content.Heading):
            if pending_break:
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
                pending_break = False
            # Never stranded at the foot of a page: a heading stays with what follows it.
            doc.add_heading(block.text, level=min(block.level, 4)).paragraph_format.keep_with_next = True
        elif isinstance(block, content.Paragraph):
            run = doc.add_paragraph().add_run(block.text)
            if block.style == "status":
                run.bold = True
            elif block.style == "small":
                run.font.size = Pt(8.5)
        elif isinstance(block, content.BulletList):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, content.Table):
            _table(doc, block.caption, block.headers, block.rows)
        elif isinstance(block, content.Chart):
            _picture(doc, images[id(block)], block.alt)
            doc.add_paragraph(block.caption, style="Caption")  # what the chart shows, as under the PDF's
        elif isinstance(block, content.Figures):
            _table(doc, "Figures", ["Measure", "Figure"], block.figures)
            if block.recent:
                _table(doc, f"Latest {len(block.recent)} periods", ["Period", "Value", "95% CI"], block.recent)
        else:
            raise TypeError(f"the Word renderer has no case for {type(block).__name__}")
    doc.save(str(path))
    return path
