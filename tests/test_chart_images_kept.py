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
    assert chart_images.images([falls, dementia, falls]) == [b"png of falls", b"png of dementia", b"png of falls"]
    assert drawn == [2]  # the same chart twice in one report is drawn once
    assert chart_images.images([dementia, homes, falls]) == [b"png of dementia", b"png of homes", b"png of falls"]
    assert drawn == [2, 1]
    assert chart_images.images([]) == [] and drawn == [2, 1]


def test_only_the_last_images_are_kept(monkeypatch) -> None:
    monkeypatch.setattr(chart_images, "_draw", lambda figures: [b"png"] * len(figures))
    monkeypatch.setattr(chart_images, "_kept", type(chart_images._kept)())
    monkeypatch.setattr(chart_images, "KEPT", 3)
    chart_images.images([go.Figure(layout={"title": {"text": str(n)}}) for n in range(5)])
    assert len(chart_images._kept) == 3


def test_charts_are_drawn_in_reused_tabs_without_mathjax(monkeypatch) -> None:
    """Kaleido's defaults reload the tab after each image and fetch MathJax from a CDN on each load (the
    reasons are in ``chart_images._engine``). This draws real charts, so it fails if kaleido renames what the
    engine overrides (the tab would be reloaded again) or drops the ``mathjax`` switch."""
    import uuid

    import kaleido
    from kaleido._kaleido_tab._tab import _KaleidoTab

    reloads: list[object] = []
    made_with: list[dict] = []
    reload, init = _KaleidoTab.reload, kaleido.Kaleido.__init__

    async def counted_reload(self):  # noqa: ANN001
        reloads.append(self)
        return await reload(self)

    def recorded_init(self, *args, **kwargs):  # noqa: ANN001
        made_with.append(kwargs)
        init(self, *args, **kwargs)

    monkeypatch.setattr(_KaleidoTab, "reload", counted_reload)
    monkeypatch.setattr(kaleido.Kaleido, "__init__", recorded_init)
    monkeypatch.setattr(chart_images, "TABS", 1)
    fresh = uuid.uuid4().hex
    images = chart_images._draw([go.Figure(go.Bar(y=[1, n + 2]), layout={"title": f"{fresh} {n}"})
                                 for n in range(3)])
    assert len(set(images)) == 3 and all(i.startswith(b"\xff\xd8\xff") for i in images)
    assert reloads == []
    assert made_with == [{"n": 1, "mathjax": False}]
