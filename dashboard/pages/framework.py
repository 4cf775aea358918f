"""/framework/<id>: one framework's overview at a stable URL (reuses the overview page's layout)."""

from __future__ import annotations

import dash
from dash import html

from dashboard import titles

dash.register_page(__name__, path_template="/framework/<framework_id>", name="Framework overview",
                   title=titles.framework_page_title)


def _overview_layout():
    """The overview page's layout, found in the page registry (never imported twice)."""
    return next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/")


def layout(framework_id: str | None = None, period: str | None = None, theme: str | None = None,
           lead: str | None = None, status: str | None = None, sort: str | None = None, spc: str | None = None,
           **_: str) -> html.Div:
    return _overview_layout()(framework=framework_id, period=period, theme=theme, lead=lead, status=status,
                              sort=sort, spc=spc)
