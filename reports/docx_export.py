"""The select committee report as an editable Word document (python-docx): the same report as the PDF
(``reports.model``), with real heading styles, tables with header rows, and each chart a picture with alt
text (descr) next to its table of figures."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.text import WD_BREAK
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Cm, Mm, Pt
from docx.oxml.table import CT_Tbl
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from reports import content
from reports.model import (FIGURES_CAPTION, FIGURES_HEADERS, NO_RECENT, RECENT_HEADERS, Renderer, Report,
                           cover_items, cover_subtitle, recent_caption)


#: British English, as the PDF (``<html lang="en-GB">``): Word's spelling and screen readers use it.
LANGUAGE = "en-GB"
#: A4 with the PDF's margins (``reports.pdf`` CSS ``@page``): python-docx's template is US Letter.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 18, "right": 16, "bottom": 20, "left": 16}
#: Word's own colour for a link (its Hyperlink style, which python-docx's template lacks).
LINK_COLOUR = "0563C1"


def set_a4(doc) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        for side, mm in MARGINS_MM.items():
            setattr(section, f"{side}_margin", Mm(mm))


def set_language(doc, language: str) -> None:
    """The document's language, where Word reads it. python-docx's template says en-US in the
    default run properties (docDefaults), which every style inherits, and names no language in
    the core properties: both are set, and any style that names its own language is changed too."""
    run_defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if run_defaults is None:
        raise ValueError("the Word template has no default run properties to set the language in")
    if run_defaults.find(qn("w:lang")) is None:  # w:lang comes after every other default run property
        run_defaults.append(OxmlElement("w:lang"))
    for lang in doc.styles.element.iter(qn("w:lang")):  # the defaults' and any style's own
        lang.set(qn("w:val"), language)
        lang.set(qn("w:eastAsia"), language)
    doc.core_properties.language = language


class _Word(Renderer):
    """Each block as Word paragraphs, tables and pictures (the walk over the blocks is ``reports.model.Renderer``'s).

    Written without python-docx's per-call look-ups, each of which searches the whole document, the whole
    style sheet or every image, and made a 200-metric report quadratic (40 s of CPU; 2 s without them, with
    the pictures stored as they are: :func:`_pictures_stored`). Styles are found by name once
    (``add_paragraph(style=name)`` searches the style sheet each time); the table width and the body's end once
    (``add_table`` reads every paragraph for the last section, and each paragraph or table is placed by searching
    the body's children for its end); a table's cells come from its own rows (``row.cells`` lays out the whole
    table); and each picture gets its image part and shape id here (``add_picture`` hashes every image already
    added to find a match, tries each number against a list of names for the next free one, and reads every id
    in the document for the next shape id)."""

    def __init__(self, doc) -> None:
        self.doc, self.body = doc, doc._body
        # Everything goes before the body's closing section properties, found here once (python-docx's
        # add_paragraph and add_table search the body's children for it each time).
        self.end = doc.element.body.get_or_add_sectPr()
        self.style_ids = {name: doc.styles[name].style_id
                          for name in ("Title", *(f"Heading {n}" for n in range(1, 5)), "Caption", "List Bullet",
                                       "Table Grid")}
        self.width = doc._block_width
        self.next_shape_id = doc.part.next_id  # once: the ids the template already has
        self.image_parts: dict[str, tuple[str, Image]] = {}  # by the image's SHA-1: each image stored once

    def paragraph_of(self, text: str = "", style: str | None = None) -> Paragraph:
        p = OxmlElement("w:p")
        self.end.addprevious(p)
        paragraph = Paragraph(p, self.body)
        if text:
            paragraph.add_run(text)
        if style is not None:
            p.style = self.style_ids[style]
        return paragraph

    def cover(self, block: content.Cover) -> None:
        self.paragraph_of(block.organisation)
        self.paragraph_of(block.title, "Title")
        self.paragraph_of(cover_subtitle(block))
        self.table_of("About this report", ("Item", "Detail"), cover_items(block))
        if block.synthetic_note:
            self.paragraph_of(block.synthetic_note)

    def heading(self, block: content.Heading, new_page: bool) -> None:
        if new_page:
            self.paragraph_of().add_run().add_break(WD_BREAK.PAGE)
        # Never stranded at the foot of a page: a heading stays with what follows it.
        self.paragraph_of(block.text, f"Heading {min(block.level, 4)}").paragraph_format.keep_with_next = True

    def paragraph(self, block: content.Paragraph) -> None:
        run = self.paragraph_of().add_run(block.text)
        if block.style == "status":
            run.bold = True
        elif block.style == "small":
            run.font.size = Pt(8.5)

    def bullet_list(self, block: content.BulletList) -> None:
        for item in block.items:
            self.paragraph_of(item, "List Bullet")

    def table(self, block: content.Table) -> None:
        self.table_of(block.caption, block.headers, block.rows)

    def figures(self, block: content.Figures) -> None:
        self.table_of(FIGURES_CAPTION, FIGURES_HEADERS, block.figures)
        if block.recent:
            self.table_of(recent_caption(block), RECENT_HEADERS, block.recent)
        else:
            self.paragraph_of(NO_RECENT)

    def chart(self, block: content.Chart, image: bytes) -> None:
        digest = hashlib.sha1(image).hexdigest()
        if digest not in self.image_parts:
            picture = Image.from_blob(image)
            part = ImagePart.from_image(picture, PackURI(f"/word/media/image{len(self.image_parts) + 1}.{picture.ext}"))
            self.image_parts[digest] = (self.doc.part.relate_to(part, RT.IMAGE), picture)
        rel_id, picture = self.image_parts[digest]
        cx, cy = picture.scaled_dimensions(Cm(15), None)
        inline = CT_Inline.new_pic_inline(self.next_shape_id, rel_id, picture.filename, cx, cy)
        self.next_shape_id += 1
        inline.docPr.set("descr", block.alt)
        inline.docPr.set("title", block.alt.split(":")[0])
        self.paragraph_of().add_run()._r.add_drawing(inline)
        self.paragraph_of(block.caption, "Caption")  # what the chart shows, as under the PDF's

    def table_of(self, caption: str, headers: Sequence[str], rows: Sequence[Sequence[str | content.Cited]]) -> None:
        self.paragraph_of(caption, "Caption").paragraph_format.keep_with_next = True  # with its table
        tbl = CT_Tbl.new_tbl(len(rows) + 1, len(headers), self.width)
        self.end.addprevious(tbl)
        table = Table(tbl, self.body)
        table._tbl.tblStyle_val = self.style_ids["Table Grid"]
        header, *body = table._tbl.tr_lst
        for tc, text in zip(header.tc_lst, headers):
            _Cell(tc, table).paragraphs[0].add_run(text).bold = True
        # The header row is repeated on each page.
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        header.get_or_add_trPr().append(mark)
        for tr, row in zip(body, rows):
            for tc, text in zip(tr.tc_lst, row):
                cell = _Cell(tc, table)
                if isinstance(text, content.Cited):
                    cell.text = text.name
                    if text.url:
                        self.link(cell.add_paragraph(), text.url)
                else:
                    cell.text = str(text)

    def link(self, paragraph: Paragraph, url: str) -> None:
        """A link to ``url`` whose words are the address, drawn as Word draws a link (python-docx reads links but
        has no call that makes one)."""
        hyperlink = OxmlElement("w:hyperlink")
        hyperlink.set(qn("r:id"), self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True))
        run = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        for tag, value in (("w:color", LINK_COLOUR), ("w:u", "single")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            properties.append(element)
        text = OxmlElement("w:t")
        text.text = url
        run.append(properties)
        run.append(text)
        hyperlink.append(run)
        paragraph._p.append(hyperlink)


def _pictures_stored() -> None:
    """Make python-docx store a JPEG or PNG part in the package as it is rather than deflate it: the images are
    compressed already, and deflating the 400 charts of a 200-metric report (55 MB) gained nothing for seconds of
    CPU. Once per process, for every package python-docx writes (each stays a valid zip, as Word writes them)."""
    from zipfile import ZIP_STORED

    from docx.opc import phys_pkg

    writer = phys_pkg._ZipPkgWriter
    if getattr(writer.write, "stores_pictures", False):
        return
    deflated = writer.write

    def write(self, pack_uri, blob) -> None:  # noqa: ANN001 (python-docx's own types)
        if blob[:3] == b"\xff\xd8\xff" or blob[:8] == b"\x89PNG\r\n\x1a\n":
            self._zipf.writestr(pack_uri.membername, blob, compress_type=ZIP_STORED)
        else:
            deflated(self, pack_uri, blob)

    write.stores_pictures = True  # type: ignore[attr-defined]
    writer.write = write


def render(report: Report, path: Path) -> Path:
    snapshot = report.snapshot
    doc = Document()
    set_a4(doc)
    set_language(doc, LANGUAGE)
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = snapshot.label
    doc.core_properties.author = snapshot.record.created_by
    doc.core_properties.subject = f"Snapshot {snapshot.id}, definitions hash {snapshot.record.definitions_hash}"
    _Word(doc).render_blocks(report)
    _pictures_stored()
    doc.save(str(path))
    return path
