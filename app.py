"""Build the Dash app: an entry point with no logic of its own.

    from app import create_app
    create_app().run()
"""

from __future__ import annotations

import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import auth, compression, context, ids, problems, security_headers
from datasources.store import Store
from metrics.disclosure import public_from_env
from metrics.service import DEFAULT_CONFIG_DIR, MetricsService
from reports import after_sign_off, downloads

HERE = Path(__file__).resolve().parent

INDEX = """<!DOCTYPE html>
<html lang="en-GB">
  <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
  <body>{%app_entry%}{%config%}{%scripts%}{%renderer%}</body>
</html>"""


def _nav_links() -> list[tuple[str, str]]:
    """Pages that declare a ``nav_order`` appear in the header, the overview first."""
    pages = [p for p in dash.page_registry.values() if "nav_order" in p or p["path"] == "/"]
    pages.sort(key=lambda p: p.get("nav_order", 0))
    return [(p["name"], p["path"]) for p in pages]


def _who() -> html.Div:
    """Who is signed in, worked out on the server for this request; sign-in or sign-out beside it."""
    person = auth.current_person()
    if person is not None:
        return html.Div([
            html.Span(f"Signed in as {person.display_name} ({person.role.replace('_', ' ')})",
                      className="text-white small me-2", id="signed-in-as"),
            html.Form([dcc.Input(type="hidden", name=auth.CSRF_FIELD, value=auth.csrf_token()),
                       html.Button("Sign out", type="submit", className="btn btn-sm btn-outline-light")],
                      method="post", action="/signout", className="d-inline"),
        ], className="d-flex align-items-center")
    unknown = auth.unknown_identity()
    if unknown:
        return html.Span(f"Signed in as {unknown}: no account here yet, so reading only",
                         className="text-white small", id="signed-in-as")
    if auth.settings().mode == "proxy":
        return html.Span()
    return html.A("Sign in", href="/signin", className="nav-link text-white", id="sign-in-link")


def _shell() -> html.Div:
    nav_links = _nav_links()
    return html.Div([
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header(dbc.Navbar(dbc.Container([
            html.A("Outcomes monitor", href="/", className="navbar-brand text-white fw-bold"),
            html.Nav(html.Ul([html.Li(dcc.Link(text, href=href, className="nav-link text-white"),
                                      className="nav-item") for text, href in nav_links],
                             className="navbar-nav flex-row gap-3"), **{"aria-label": "Main"}),
            _who(),
        ]), color="#0b0c0c", dark=True, className="mb-3 no-print")),
        dcc.Location(id=ids.URL, refresh="callback-nav"),
        html.Main(dbc.Container(dash.page_container), id="main", tabIndex="-1"),
        html.Footer(dbc.Container(html.P(
            "Outcomes monitor. Figures marked synthetic are generated sample data, not real statistics.",
            className="small text-muted mt-4")), className="no-print"),
    ])


def create_app(config_dir: str | Path | None = None, service: MetricsService | None = None,
               public: bool | None = None, store: Store | None = None,
               auth_settings: auth.AuthSettings | None = None) -> dash.Dash:
    """The dashboard on the given config (default: the project's ``config/``).

    ``public`` (default: the OUTCOMES_PUBLIC environment variable, read once here) suppresses values
    built from small counts on every page; it cannot be changed by a request. ``store`` (default:
    OUTCOMES_STORE_URL, read once here) holds snapshots and what people write. ``auth_settings``
    (default: read from OUTCOMES_AUTH and friends, see ``dashboard.auth``) says how people sign in;
    unusable settings raise :class:`dashboard.auth.AuthConfigError` before anything is served."""
    sign_in = auth_settings or auth.AuthSettings.from_environment()
    app_context = context.AppContext(
        service=service or MetricsService.from_config_dir(config_dir or DEFAULT_CONFIG_DIR),
        store=store or Store.from_environment(),
        public=public_from_env() if public is None else public,
        # A signed-off snapshot's report charts are drawn and its report files rendered at once, in the
        # background: the first download after sign-off is then served from the export cache.
        after_sign_off=after_sign_off.prepare_in_background)
    # update_title=None: no "Updating..." in the tab while a callback runs (screen readers read title
    # changes out); each page sets its own title, naming its subject, when it is shown.
    app = dash.Dash(
        __name__, use_pages=True, pages_folder=str(HERE / "dashboard" / "pages"),
        assets_folder=str(HERE / "dashboard" / "assets"),
        title="Outcomes monitor", update_title=None, suppress_callback_exceptions=True,
        external_stylesheets=[], serve_locally=True,
        on_error=problems.callback_error,  # the net under the callbacks' own checks: a message, never a 500
    )
    app.index_string = INDEX
    app.layout = _shell
    context.install(app.server, app_context)
    auth.install(app.server, app_context.store, sign_in)
    if sign_in.sample_people:
        from review.errors import ReviewError
        from review.sample import seed_sample_people

        try:
            seed_sample_people(app_context.store)
        except ReviewError as exc:  # a store with real people (an admin) gets no sample accounts
            logging.getLogger("outcomes.auth").warning("sample people not added: %s", exc)
    downloads.register_routes(app.server)
    security_headers.install(app.server, app.csp_hashes)
    problems.install(app)
    compression.install(app.server)
    app.server.add_url_rule("/healthz", "healthz", _health)
    return app


def _health() -> tuple[dict[str, str], int]:
    """For a load balancer: 200 while this process serves. It queries no data source, so a slow
    database does not take every worker out of the pool (the About page says which sources answer)."""
    return {"status": "ok"}, 200


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=8050)
