"""A chart drawn once is not drawn again: the PDF and the Word report of one snapshot share their images."""

from __future__ import annotations

import plotly.graph_objects as go

from reports import chart_images


def test_the_second_report_draws_only_what_the_first_did_not(monkeypatch) -> None:
    drawn: list[int] = []

    def draw(figures):
        drawn.append(len(figures))
        return [f"png of {f.layout.title.text}".encode() for f in figures]

    monkeypatch.setattr(chart_images, "_draw", draw)
    monkeypatch.setattr(chart_images, "_kept", type(chart_images._kept)())
    falls, dementia, homes = (go.Figure(layout={"title": {"text": t}}) for t in ("falls", "dementia", "homes"))
    assert chart_images.png_images([falls, dementia, falls]) == [b"png of falls", b"png of dementia", b"png of falls"]
    assert drawn == [2]  # the same chart twice in one report is drawn once
    assert chart_images.png_images([dementia, homes, falls]) == [b"png of dementia", b"png of homes", b"png of falls"]
    assert drawn == [2, 1]
    assert chart_images.png_images([]) == [] and drawn == [2, 1]


def test_only_the_last_images_are_kept(monkeypatch) -> None:
    monkeypatch.setattr(chart_images, "_draw", lambda figures: [b"png"] * len(figures))
    monkeypatch.setattr(chart_images, "_kept", type(chart_images._kept)())
    monkeypatch.setattr(chart_images, "KEPT", 3)
    chart_images.png_images([go.Figure(layout={"title": {"text": str(n)}}) for n in range(5)])
    assert len(chart_images._kept) == 3
