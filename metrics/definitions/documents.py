"""The councils' own documents, kept under ``config/documents/``, and finding a quotation in one.

Each file starts with a header between two ``---`` lines (``key: value``: the council, its document, where the
text came from, its licence); the document's text follows unchanged. A quotation is found in it when its words
are there once both are put in the same form: HTML tags and entities of the transcription undone, superscript
footnote marks dropped, Unicode compatibility forms folded (NFKC), curly quotation marks made straight, every
dash a hyphen, runs of whitespace one space, and letters compared without case; the words must be whole words
of the document (not "decrease" in "decreased"). An ellipsis (``...`` or ``…``) splits a quotation into parts,
each of which must be found; full stops, commas, colons and semicolons at a part's ends are not part of its
words.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_INLINE_TAG = re.compile(r"</?(?:u|i|b|em|strong|span|sup|sub|a)(?:\s[^<>]*)?>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"<(?!https?://)/?[a-zA-Z][^<>]*>")
_EMPHASIS = re.compile(r"\*\*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d]")
_FOOTNOTE_MARKS = dict.fromkeys(map(ord, "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u2071"))  # ¹ ... ⁹, ⁱ
_ELLIPSIS = re.compile(r"\s*\[?\.\.\.\]?\s*")
_ENDS = " .,;:"


def readable(text: str) -> str:
    """``text`` in the form quotations are compared in, keeping its case (for showing a passage)."""
    text = unicodedata.normalize("NFKC", text.translate(_FOOTNOTE_MARKS)).translate(_QUOTES)
    return " ".join(_DASHES.sub("-", text).split())


def quote_parts(quote: str) -> list[str]:
    """The parts of a quotation an ellipsis separates, in the compared form, without their end punctuation."""
    parts = _ELLIPSIS.split(readable(quote))
    return [p.strip(_ENDS) for p in parts if p.strip(_ENDS)]


@dataclass(frozen=True)
class SourceDocument:
    """One council document: its header (source, licence) and its text as transcribed."""

    display: str                  # as shown in messages, e.g. config/documents/lancashire.txt
    header: dict[str, str]
    text: str

    @cached_property
    def _plain(self) -> str:
        text = _INLINE_TAG.sub("", self.text)
        text = _BLOCK_TAG.sub(" ", text)
        return readable(html.unescape(_EMPHASIS.sub("", text)))

    @cached_property
    def _search(self) -> str:
        return self._plain.lower()

    def holds(self, part: str) -> bool:
        """Whether ``part`` is in the document as whole words (not "decrease" for "decreased")."""
        return re.search(rf"(?<!\w){re.escape(part.lower())}(?!\w)", self._search) is not None

    def missing_parts(self, quote: str) -> list[str]:
        """The parts of ``quote`` the document does not hold (all of it when it has no words)."""
        parts = quote_parts(quote)
        return [p for p in parts if not self.holds(p)] if parts else [quote]

    def nearest_passage(self, part: str) -> str:
        """The run of the document's words most like ``part``, as long as it is, for a reader to compare."""
        words = self._plain.split(" ")
        width = max(1, len(part.split()))
        wanted = part.lower()
        windows = [" ".join(words[i:i + width]) for i in range(max(1, len(words) - width + 1))]
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(wanted)

        def score(window: str, quick: bool) -> float:
            matcher.set_seq1(window.lower())
            return matcher.quick_ratio() if quick else matcher.ratio()

        shortlist = sorted(windows, key=lambda w: score(w, True), reverse=True)[:40]
        return max(shortlist, key=lambda w: score(w, False)) if shortlist else ""


def read_document(path: Path, display: str) -> SourceDocument:
    """The document at ``path``: a header between two ``---`` lines, then its text. Raises OSError,
    UnicodeDecodeError, or ValueError when there is no header."""
    raw = path.read_text(encoding="utf-8")
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in (line.strip() for line in lines[1:]):
        raise ValueError("the file must start with a header between two '---' lines (source, licence)")
    end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    header = {}
    for line in lines[1:end]:
        key, _, value = line.partition(":")
        if key.strip() and value.strip():
            header[key.strip().lower()] = value.strip()
    return SourceDocument(display, header, "\n".join(lines[end + 1:]))
