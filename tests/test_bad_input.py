"""Bad input on every route and callback gets a clear page or message, never an HTTP 500.

The named cases from issue 15 first (an unknown framework on an intention page, ``period=2016-13`` on
the overview, an unknown metric on the download callback), then property-based fuzzing with
hypothesis: URL paths and query parameters, and every callback in ``app.callback_map`` posted to
``/_dash-update-component`` with fuzzed inputs, as anyone can send without the page. Each answer must
be no 500 and must not be the net of ``dashboard.problems`` (an error nobody foresaw): every bad input
is met by a check that says what is wrong."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.problems import UNEXPECTED_ID

ORIGIN = {"Origin": "http://localhost"}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])

#: Values a reader or a forger might send: real ids and periods beside nonsense.
MEANINGFUL = st.sampled_from(["warwickshire", "wigan", "nope", "2016-03", "2016-13", "2025-03", "0000-01",
                              "9999-12", "falls_admissions_65plus", "no_such_metric", "__all__", "", "1", "-1",
                              "fe-13-falls-prevention", "metric:falls_admissions_65plus", "intention:x", "x#9",
                              "<a href='https://evil.example'>x</a>", "../../etc/passwd", "%00"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**40, max_value=2**40),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20), MEANINGFUL)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.one_of(MEANINGFUL, st.text(max_size=8)),
                                                                       inner, max_size=3)), max_leaves=6)
PATHS = ["/", "/frameworks", "/framework/{x}", "/intention/{x}", "/metric/{x}", "/review", "/snapshots", "/about",
         "/admin/audit", "/{x}"]
QUERY_KEYS = st.sampled_from(["framework", "period", "theme", "lead", "who", "action", "next"])


@pytest.fixture(scope="module")
def client(dash_app):
    client = dash_app.server.test_client()
    client.get("/")  # Dash fills callback_map at its first request
    return client


def clear(response) -> str:
    """The answer's text, after checking it is no 500 and no unforeseen error."""
    text = response.get_data(as_text=True)
    assert response.status_code != 500, text[:2000]
    assert UNEXPECTED_ID not in text, text[:2000]
    return text


def page(client, path: str, search: str = ""):
    """The page content for an address, as the renderer asks for it."""
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    return client.post("/_dash-update-component", json=body, headers=ORIGIN)


def post(client, output: str, outputs, inputs: list[tuple], state: list[tuple] = ()):
    body = {"output": output, "outputs": outputs,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{json.dumps(inputs[0][0], sort_keys=True, separators=(',', ':')) if isinstance(inputs[0][0], dict) else inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", json=body, headers=ORIGIN)


# --------------------------------------------------------------------------- the cases the issue names

def test_unknown_framework_on_an_intention_page_says_so(client) -> None:
    text = clear(page(client, "/intention/fe-13-falls-prevention", "?framework=nope"))
    assert "Framework not found" in text and "nope" in text


def test_a_month_13_on_the_overview_says_the_period_is_not_understood(client) -> None:
    text = clear(page(client, "/", "?period=2016-13"))
    assert "The period in the address is not understood" in text
    text = clear(post(client, "..overview-body.children...overview-status.children..",
                      [{"id": "overview-body", "property": "children"}, {"id": "overview-status", "property": "children"}],
                      [("period-select", "value", "2016-13"), ("theme-filter", "value", None),
                       ("lead-filter", "value", None), ("status-filter", "value", None),
                       ("sort-select", "value", None)], [("url", "href", "http://localhost/?framework=warwickshire")]))
    assert "2016-13" in text and "not understood" in text


def test_unknown_metric_on_the_download_callback_says_so(client) -> None:
    text = clear(post(client, "..metric-download.data...metric-download-problem.children..",
                      [{"id": "metric-download", "property": "data"},
                       {"id": "metric-download-problem", "property": "children"}],
                      [("metric-download-button", "n_clicks", 1)], [("metric-id-store", "data", "nope")]))
    assert "no metric 'nope'" in text


def test_a_callback_request_that_names_no_callback_is_refused_with_the_reason(client) -> None:
    for body in ({"output": "x"}, {}, [], {"output": "metric-download.data", "outputs": {}, "inputs": "x"}):
        response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
        assert response.status_code == 400
        assert "Bad callback request" in response.get_data(as_text=True)


def test_an_address_with_no_route_gets_a_clear_page(client) -> None:
    response = client.get("/snapshots/1/download/exe")
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- fuzzing

@FUZZ
@given(path=st.sampled_from(PATHS), x=st.one_of(MEANINGFUL, st.text(max_size=30)),
       query=st.dictionaries(QUERY_KEYS, st.one_of(MEANINGFUL, st.text(max_size=30)), max_size=4))
def test_any_address_gets_a_page_not_a_500(client, path: str, x: str, query: dict) -> None:
    address = path.replace("{x}", x.replace("/", "%2F"))
    search = "?" + urlencode(query) if query else ""
    for response in (client.get(address + search), page(client, address, search)):  # index page, then content
        assert response.status_code != 500, response.get_data(as_text=True)[:2000]
        assert UNEXPECTED_ID not in response.get_data(as_text=True)


@FUZZ
@given(snapshot=st.one_of(st.integers(min_value=-5, max_value=10**12), st.text(max_size=10)),
       fmt=st.one_of(st.sampled_from(["pdf", "xlsx", "docx", "csv"]), st.text(max_size=10)))
def test_any_download_address_gets_a_file_or_a_clear_page(client, snapshot, fmt: str) -> None:
    response = client.get(f"/snapshots/{str(snapshot).replace('/', '%2F')}/download/{fmt.replace('/', '%2F')}")
    assert response.status_code in (200, 400, 404, 503), response.status_code
    assert UNEXPECTED_ID.encode() not in response.data


def _concrete(ident: str, key) -> object:
    """A callback's id with its MATCH wildcard filled by ``key``."""
    if not ident.startswith("{"):
        return ident
    spec = json.loads(ident)
    return {k: (key if v == ["MATCH"] else v) for k, v in spec.items()}


def _bodies(dash_app):
    for output, entry in dash_app.callback_map.items():
        if entry.get("callback") is None:
            continue  # a clientside callback: nothing runs on the server
        yield output, entry


@pytest.mark.parametrize("which", range(15))
def test_every_callback_answers_fuzzed_inputs_with_a_message_not_a_500(client, dash_app, which: int) -> None:
    callbacks = list(_bodies(dash_app))
    assert len(callbacks) == 15, [o for o, _ in callbacks]  # a new callback: raise the range above
    output, entry = callbacks[which]
    specs = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]

    @FUZZ
    @given(key=st.one_of(MEANINGFUL, st.text(max_size=12)), data=st.data())
    def run(key, data) -> None:
        outputs = [{"id": _concrete(s.component_id_str(), key), "property": s.component_property} for s in specs]
        inputs = [(_concrete(i["id"], key), i["property"], data.draw(VALUES)) for i in entry["inputs"]]
        state = [(_concrete(s["id"], key), s["property"], data.draw(VALUES)) for s in entry["state"]]
        clear(post(client, output, outputs if isinstance(entry["output"], list) else outputs[0], inputs, state))

    run()


# --------------------------------------------------------------------------- the net itself

def test_an_unforeseen_callback_error_is_logged_with_a_reference_and_shown_as_a_sentence(
        client, service, monkeypatch, caplog) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail: /srv/data/outcomes.db port 5432")

    monkeypatch.setattr(service, "available_periods", broken)
    with caplog.at_level("ERROR", logger="outcomes.problems"):
        response = post(client, "..overview-body.children...overview-status.children..",
                        [{"id": "overview-body", "property": "children"},
                         {"id": "overview-status", "property": "children"}],
                        [("period-select", "value", "2016-03"), ("theme-filter", "value", None),
                         ("lead-filter", "value", None), ("status-filter", "value", None),
                         ("sort-select", "value", None)], [("url", "href", "http://localhost/?framework=warwickshire")])
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.count(UNEXPECTED_ID) == 1  # one element with the id, the other output the words only
    reference = caplog.records[-1].getMessage().split("reference ")[1].rstrip(")")
    assert f"reference {reference}" in text
    assert "secret detail" not in text  # the reader gets the reference; the operator's log gets the trace
    assert "secret detail" in caplog.text


def test_an_unforeseen_route_error_is_a_clear_page_with_a_reference(client, monkeypatch, caplog) -> None:
    import snapshots

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(snapshots, "load", broken)
    with caplog.at_level("ERROR", logger="outcomes.problems"):
        response = client.get("/snapshots/1/download/pdf")
    text = response.get_data(as_text=True)
    assert response.status_code == 500  # a fault of the server, said as such, never a traceback
    assert "Something went wrong" in text and "reference" in text and "secret detail" not in text
    assert "secret detail" in caplog.text
