"""Every export from the web (issue 21): the review pack after sign-off and the snapshots page offer the
exceptions paper and the full report, PDF and Word, and the workbook and CSV tables; the route takes a scope
and refuses one it does not know in words (400), never with a 500."""

from __future__ import annotations

import io

import pytest

from review.people import find_person
from review.signoff import sign_off
from tests.report_charts import blank_charts
from tests.test_bad_input import clear, page

FRAMEWORK, PERIOD = "warwickshire", "2024-12"  # a period no other test of the session signs off


@pytest.fixture(scope="module")
def client(dash_app):
    client = dash_app.server.test_client()
    client.get("/")  # Dash fills callback_map at its first request
    return client


@pytest.fixture(scope="module")
def signed(service, app_store, dash_app, tmp_path_factory):
    import os

    from reports import export_cache

    cache = tmp_path_factory.mktemp("download-cache")
    before = os.environ.get(export_cache.CACHE_ENV)
    os.environ[export_cache.CACHE_ENV] = str(cache)
    yield sign_off(app_store, service, find_person(app_store, "sample.officer"), FRAMEWORK, PERIOD)
    if before is None:
        os.environ.pop(export_cache.CACHE_ENV, None)
    else:
        os.environ[export_cache.CACHE_ENV] = before


def _hrefs(node, found: list[str]) -> list[str]:
    """Every link address in a rendered page's component tree (the JSON Dash answers with)."""
    if isinstance(node, dict):
        if isinstance(node.get("href"), str):
            found.append(node["href"])
        for value in node.values():
            _hrefs(value, found)
    elif isinstance(node, list):
        for value in node:
            _hrefs(value, found)
    return found


def test_review_pack_offers_the_exceptions_paper_after_sign_off(client, signed) -> None:
    pypdf = pytest.importorskip("pypdf")
    docx = pytest.importorskip("docx")
    answer = page(client, "/review", f"?framework={FRAMEWORK}&period={PERIOD}")
    text = clear(answer)
    assert "signoff-downloads" in text
    base = f"/snapshots/{signed.id}/download"
    hrefs = {h for h in _hrefs(answer.get_json(), []) if h.startswith(base)}
    assert hrefs == {f"{base}/pdf?scope=exceptions", f"{base}/docx?scope=exceptions", f"{base}/pdf",
                     f"{base}/docx", f"{base}/xlsx", f"{base}/csv"}, hrefs
    for label in ("Exceptions report (PDF)", "Exceptions report (Word)", "Full report (PDF)", "Full report (Word)",
                  "Excel workbook", "CSV tables (zip)"):
        assert label in text

    with blank_charts():  # the words, pages and headings of the two papers are read, not their charts
        answer = client.get(f"{base}/pdf?scope=exceptions")
        word = client.get(f"{base}/docx?scope=exceptions")
    assert answer.status_code == 200 and answer.data[:5] == b"%PDF-"
    assert "-exceptions.pdf" in answer.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(answer.data))
    assert len(reader.pages) <= 14, f"{len(reader.pages)} pages: the full report, not the exceptions paper"
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Executive summary" in first
    # The paper's headings in order (its bookmarks): the summaries, then the exceptions. Where the "Exceptions"
    # heading falls in pages depends on how much changed since the session's previous sign-off of the framework.
    headings = [item.title for item in reader.outline if not isinstance(item, list)]
    assert headings.index("Executive summary") < headings.index("Exceptions"), headings

    assert word.status_code == 200 and "-exceptions.docx" in word.headers["Content-Disposition"]
    headings = [p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs if p.style.name.startswith("Heading")]
    assert any(h.startswith("Exceptions") for h in headings), headings
    # The exceptions paper, not the full report: no section per outcome domain after the exceptions.
    assert len(headings) < 60, len(headings)


@pytest.mark.parametrize("query", ["?scope=everything", "?scope=", "?scope=%3Cscript%3E"])
def test_an_unknown_scope_is_refused_in_words(client, signed, query) -> None:
    answer = client.get(f"/snapshots/{signed.id}/download/pdf{query}")
    assert answer.status_code == 400
    assert "Unknown scope" in answer.get_data(as_text=True)


def test_the_exceptions_scope_is_only_for_the_reports(client, signed) -> None:
    for fmt in ("xlsx", "csv"):
        answer = client.get(f"/snapshots/{signed.id}/download/{fmt}?scope=exceptions")
        assert answer.status_code == 400
        assert "always holds every metric" in answer.get_data(as_text=True)
    assert client.get("/snapshots/999999/download/pdf?scope=exceptions").status_code == 404


def _find(node, test):
    """The first component in a rendered tree whose props pass ``test``."""
    if isinstance(node, dict):
        if isinstance(node.get("props"), dict) and test(node["props"]):
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, test)
        if found is not None:
            return found
    return None


def _strings(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return " ".join(_strings(v) for k, v in node.items() if k not in ("id", "className", "title", "type",
                                                                          "namespace"))
    if isinstance(node, list):
        return " ".join(_strings(v) for v in node)
    return ""


def test_review_packs_headline_table_says_assumed(client, service) -> None:
    """The headline targets say "Assumed" for a target element that is not the council's, as the reports do."""
    from metrics.evaluation.provenance_words import assumed_cell

    answer = page(client, "/review", f"?framework={FRAMEWORK}&period=2025-03")
    clear(answer)
    summary = _find(answer.get_json(), lambda props: props.get("id") == "review-summary")
    row = _find(summary, lambda props: props.get("data-metric") == "falls_admissions_65plus")
    assert row is not None, "the falls metric is among the headline targets"
    cell = assumed_cell(service.metric("falls_admissions_65plus").target.provenance.to_contract())
    assert cell, "the falls target has assumed elements"
    assert f"Assumed: {cell}" in _strings(row)
