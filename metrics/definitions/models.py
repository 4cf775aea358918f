"""The declarations a performance analyst writes in ``config/``: small frozen models.

Parsing (YAML with line numbers) lives in ``metrics.definitions.loader``; cross-references
between models are checked in ``metrics.definitions.validation``. These models only say what a
well-formed declaration looks like.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from datasources.ingest_spec import IngestSpec, SourceNote
from metrics.periods import Frequency, parse_month

Month = Annotated[date, BeforeValidator(parse_month)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=80)]
Scalar = Union[str, int, float, bool, date, None]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- data sources

class DataSource(Model):
    """A database reachable through SQLAlchemy. Secrets come only from the environment:
    ``url: ${WARKS_DB_URL}`` or with a default ``${WARKS_DB_URL:-sqlite:///sample_data/sample.db}``."""

    id: Identifier
    title: str = ""
    url: str
    timeout_seconds: float = Field(default=30, gt=0, le=3600)
    row_cap: int = Field(default=200_000, gt=0)
    description: str = ""


# ---------------------------------------------------------------- bindings

FilterOp = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between", "is_null", "not_null"]


class Filter(Model):
    column: str
    op: FilterOp = "eq"
    value: Scalar | list[Scalar] = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> "Filter":
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' needs a list value, e.g. value: [a, b]")
        if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
            raise ValueError("op 'between' needs a list of two values: [low, high]")
        if self.op in ("is_null", "not_null") and self.value is not None:
            raise ValueError(f"op '{self.op}' takes no value")
        if self.op not in ("in", "not_in", "between", "is_null", "not_null") and isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' takes a single value, not a list")
        return self


class Measure(Model):
    """What to aggregate: ``count: rows`` (count of records) or ``sum: column``."""

    count: Literal["rows"] | None = None
    sum: str | None = None
    filters: tuple[Filter, ...] = ()

    @model_validator(mode="after")
    def _exactly_one(self) -> "Measure":
        if (self.count is None) == (self.sum is None):
            raise ValueError("give exactly one of 'count: rows' or 'sum: <column>'")
        return self


class Denominator(Measure):
    """A measure from the numerator's table, or from another table (e.g. population).

    With ``table`` set, rows are matched to the numerator by area and by period; a
    population estimate held once a financial year is matched with
    ``period_join: financial_year`` so monthly counts divide by that year's population.
    """

    table: str | None = None
    date_column: str | None = None
    area_column: str | None = None
    period_join: Literal["same", "financial_year"] = "same"

    @model_validator(mode="after")
    def _table_needs_columns(self) -> "Denominator":
        if self.table and not self.date_column:
            raise ValueError("a denominator from another table needs its 'date_column'")
        return self


class Comparator(Model):
    """Another area's published series shown beside the council's line (England, region, peer).

    ``area`` is the code in the binding's area column; give a list when the publisher
    renumbered the same area over time (e.g. NHS regions)."""

    area: str | tuple[str, ...]
    label: str

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.area,) if isinstance(self.area, str) else tuple(self.area)


class Peers(Model):
    """The areas a council is ranked among (LG Inform style): the rows of the same table that
    also match ``filters``, e.g. every English council with adult social care duties."""

    label: str
    filters: tuple[Filter, ...]


class TableBinding(Model):
    """A declarative binding, compiled to one aggregating SELECT."""

    type: Literal["table"] = "table"
    datasource: Identifier
    table: str
    date_column: str
    area_column: str | None = None
    filters: tuple[Filter, ...] = ()
    numerator: Measure
    denominator: Denominator | None = None
    headline_area: str | None = None
    comparators: tuple[Comparator, ...] = ()


class SqlBinding(Model):
    """Raw SQL for what the declarative form cannot say.

    The query returns one row per record or per pre-aggregated group with columns
    ``period_date`` (any date inside the period), ``area``, ``numerator`` and optionally
    ``denominator``, or a published ``value`` with ``ci_lower``/``ci_upper``. It is
    wrapped and aggregated by period in the database. Values go in ``params`` and are
    written as ``:name`` in the text, never pasted into it.
    """

    type: Literal["sql"]
    datasource: Identifier
    sql: str
    params: dict[str, Scalar] = {}
    returns_published_values: bool = False
    headline_area: str | None = None
    comparators: tuple[Comparator, ...] = ()


class PublishedBinding(Model):
    """A table of figures already computed by their publisher (ASCOF, Fingertips, PCDD):
    one row per period and area holding the value and, when published, its interval,
    numerator and denominator. Nothing is recomputed; only the council's own area
    (``headline_area``) and the comparators' areas are read when ``headline_area`` is set."""

    type: Literal["published"]
    datasource: Identifier
    table: str
    date_column: str
    area_column: str
    value_column: str
    lower_column: str | None = None
    upper_column: str | None = None
    numerator_column: str | None = None
    denominator_column: str | None = None
    filters: tuple[Filter, ...] = ()
    headline_area: str | None = None
    comparators: tuple[Comparator, ...] = ()
    peers: Peers | None = None           # rank and quartile among these areas, each period
    break_column: str | None = None      # words marking the first period after a publisher's renumbering

    @model_validator(mode="after")
    def _interval_has_both_ends(self) -> "PublishedBinding":
        if (self.lower_column is None) != (self.upper_column is None):
            raise ValueError("give both 'lower_column' and 'upper_column' for the interval, or neither")
        return self

    @property
    def areas(self) -> tuple[str, ...]:
        """The area codes read: the headline's and every comparator's (none: all areas)."""
        if self.headline_area is None:
            return ()
        return (self.headline_area, *(code for comp in self.comparators for code in comp.codes))


Binding = Annotated[Union[TableBinding, SqlBinding, PublishedBinding], Field(discriminator="type")]



# ---------------------------------------------------------------- provenance

class Provenance(Model):
    """Where a target element, date or status comes from: the council's document, or an assumption of ours.

    A reader presenting the figures must be able to defend each one as the council's own words
    (``quote`` or ``section``) or as a stated assumption (``reason``)."""

    source: Literal["document", "assumption"]
    quote: str | None = None     # the document's own words
    section: str | None = None   # e.g. "paragraph 8.1", "table 3"
    reason: str | None = None    # why we assumed it, in one sentence

    @model_validator(mode="after")
    def _says_where_or_why(self) -> "Provenance":
        if self.source == "document" and not (self.quote or self.section):
            raise ValueError("source 'document' needs the document's words in 'quote' (or a 'section' reference)")
        if self.source == "assumption" and not self.reason:
            raise ValueError("source 'assumption' needs a 'reason': why it was assumed, in one sentence")
        return self

    @property
    def assumed(self) -> bool:
        return self.source == "assumption"


class Wording(Model):
    """Whose words a milestone's title or an intention's lead are. ``document``: the document's own words, found
    in it as written (``section`` says where; the title or lead itself is what ``outcomes check`` looks for);
    ``summary``: the product's wording, with ``quote`` the document's passage it summarises; ``not_named`` (a lead
    only): the document names no lead, and ``reason`` says why this one is given here."""

    source: Literal["document", "summary", "not_named"]
    quote: str | None = None     # for a summary: the document's words it summarises
    section: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _says_whose(self) -> "Wording":
        if self.source == "document" and self.quote:
            raise ValueError("source 'document' means the text itself is the document's words, so it takes no "
                             "'quote'; for words of ours give source: summary with the passage in 'quote'")
        if self.source == "summary" and not self.quote:
            raise ValueError("source 'summary' needs the document's passage it summarises in 'quote'")
        if self.source == "not_named" and not self.reason:
            raise ValueError("source 'not_named' needs a 'reason': why this lead is given though the document "
                             "names none")
        return self


class TargetProvenance(Model):
    """Provenance of each element of a target; ``None`` means nobody has said yet."""

    value: Provenance | None = None      # the target figure
    baseline: Provenance | None = None   # baseline period/value
    deadline: Provenance | None = None
    measure: Provenance | None = None    # does the metric measure what the document says

    ELEMENTS: ClassVar[tuple[str, ...]] = ("value", "baseline", "deadline", "measure")

    def elements(self) -> list[tuple[str, Provenance | None]]:
        return [(name, getattr(self, name)) for name in self.ELEMENTS]

    def missing_elements(self) -> list[str]:
        return [name for name, prov in self.elements() if prov is None]

    def to_contract(self) -> dict[str, Any]:
        return {name: (prov.model_dump(mode="json", exclude_none=True) if prov else None)
                for name, prov in self.elements()}


# ---------------------------------------------------------------- targets

class Baseline(Model):
    """``period`` alone: the value observed in that period. ``period`` + ``value``: a
    stated baseline (e.g. from the strategy document). ``start`` + ``end``: the mean
    of the values observed over that window (its name is the end month)."""

    period: Month | None = None
    value: float | None = None
    start: Month | None = None
    end: Month | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "Baseline":
        window = self.start is not None or self.end is not None
        if window and (self.start is None or self.end is None):
            raise ValueError("a baseline window needs both 'start' and 'end'")
        if window and (self.period is not None or self.value is not None):
            raise ValueError("give either 'period' (and optionally 'value') or 'start' and 'end', not both")
        if not window and self.period is None:
            raise ValueError("give the baseline 'period' (YYYY-MM), or a 'start' and 'end' window")
        if window and self.end < self.start:  # type: ignore[operator]
            raise ValueError("the baseline window ends before it starts")
        return self

    @property
    def month(self) -> date:
        return self.end if self.end is not None else self.period  # type: ignore[return-value]


class TrajectoryPoint(Model):
    period: Month
    value: float


class Target(Model):
    """``relative_change``: value in percent of the baseline (``-20`` = 20% lower).
    ``level``: an absolute level to reach (``66.7`` for 66.7%). ``count``: a number to
    reach (e.g. 1,500 units). The glide path is straight from baseline to target at the
    deadline unless ``milestones`` give intermediate points."""

    kind: Literal["relative_change", "level", "count"]
    value: float
    deadline: Month
    baseline: Baseline
    milestones: tuple[TrajectoryPoint, ...] = ()
    amber_tolerance_pct: float = Field(default=5.0, ge=0, le=100)
    description: str | None = None
    provenance: TargetProvenance = TargetProvenance()

    @model_validator(mode="after")
    def _deadline_after_baseline(self) -> "Target":
        if self.deadline <= self.baseline.month:
            raise ValueError("the deadline must fall after the baseline period")
        return self


# ---------------------------------------------------------------- SPC change points

class ChangePointDeclaration(Model):
    """A known change in the process behind a metric (a definition change, a publisher's series break): its
    SPC limits are recalculated from the first period that ends in or after ``period`` (for an annual metric
    ``2014-04`` is 2014/15). Config is reviewed, so a declared change point applies without a person
    recording it; ``reason`` says what changed, in words shown beside the chart."""

    period: Month
    reason: str = Field(max_length=300)

    @field_validator("reason")
    @classmethod
    def _has_reason(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("is empty; say what changed at this period (e.g. 'ASCOF definition change')")
        return reason.strip()


class SpcSettings(Model):
    """How the metric's XmR chart is drawn: the change points config declares, and whether each series break
    its published binding records (``break_column``) is one."""

    change_points: tuple[ChangePointDeclaration, ...] = ()
    change_points_at_series_breaks: bool = False

    @model_validator(mode="after")
    def _one_per_period(self) -> "SpcSettings":
        periods = [p.period for p in self.change_points]
        twice = sorted({f"{p:%Y-%m}" for p in periods if periods.count(p) > 1})
        if twice:
            raise ValueError(f"change point period {', '.join(twice)} is declared twice; declare each once")
        return self


# ---------------------------------------------------------------- metrics

#: Metric keys that were once accepted and are no longer: each with what a config file that still has
#: it is told. ``breakdowns`` was validated but read by nothing (issue 24): the dashboard breaks a metric
#: down by its binding's ``area_column``, so the key promised a breakdown it never gave.
RETIRED_METRIC_KEYS = {
    "breakdowns": "'breakdowns' is no longer a metric key: it was never read (a metric is broken down by "
                  "its binding's area_column); delete the line",
}

Unit = Literal["count", "percent", "rate_per_1000", "rate_per_100k", "dsr_per_100k", "currency", "mean"]
Method = Literal["count", "proportion", "crude_rate", "mean", "published"]


class Metric(Model):
    id: Identifier
    title: str
    short_title: str | None = None
    definition: str
    unit: Unit
    unit_label: str | None = None
    polarity: Literal["higher_is_better", "lower_is_better"]
    frequency: Frequency
    method: Method
    multiplier: int | None = None
    decimals: int = Field(default=1, ge=0, le=4)
    suppress_below: int = Field(default=5, ge=0)
    source: SourceNote
    binding: Binding
    target: Target | None = None
    spc: SpcSettings = SpcSettings()
    # The whole this metric is a part of: the same people and periods, its count one share of the whole's
    # (Lewisham's meta outcome of employment, part of all meta outcomes). Small numbers are then withheld
    # over the whole and all its parts together, so none can be worked out by taking parts from the whole.
    part_of: Identifier | None = None

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Metric":
        """A definition as a snapshot stored it. Signed-off snapshots are never rewritten, so keys this model
        has since retired are dropped here; a config file that still has one is refused with the reason
        (:data:`RETIRED_METRIC_KEYS`)."""
        return cls.model_validate({k: v for k, v in data.items() if k not in RETIRED_METRIC_KEYS})

    @model_validator(mode="after")
    def _series_breaks_known(self) -> "Metric":
        if self.spc.change_points_at_series_breaks and getattr(self.binding, "break_column", None) is None:
            raise ValueError("spc.change_points_at_series_breaks needs a 'type: published' binding with a "
                             "'break_column' (where the publisher records its series breaks)")
        return self

    @model_validator(mode="after")
    def _not_its_own_part(self) -> "Metric":
        if self.part_of == self.id:
            raise ValueError("part_of names the metric itself; name the whole it is a part of")
        return self

    @model_validator(mode="after")
    def _method_fits(self) -> "Metric":
        needs_denominator = self.method in ("proportion", "crude_rate", "mean")
        if isinstance(self.binding, TableBinding):
            if needs_denominator and self.binding.denominator is None:
                raise ValueError(f"method '{self.method}' needs a 'denominator' in the binding")
            if self.method == "count" and self.binding.denominator is not None:
                raise ValueError("method 'count' takes no denominator; use 'crude_rate' or 'proportion'")
        if self.method == "crude_rate" and not self.multiplier:
            raise ValueError("method 'crude_rate' needs a 'multiplier', e.g. 100000")
        published_binding = isinstance(self.binding, PublishedBinding) or (
            isinstance(self.binding, SqlBinding) and self.binding.returns_published_values)
        if self.method == "published" and not published_binding:
            raise ValueError("method 'published' needs a 'type: published' binding (or an sql binding with "
                             "returns_published_values: true)")
        if isinstance(self.binding, PublishedBinding) and self.method != "published":
            raise ValueError("a 'type: published' binding reads figures as published; use method 'published'")
        if self.unit == "dsr_per_100k" and self.method != "published":
            # Nothing here standardises by age: a DSR and its interval come from the published table.
            raise ValueError("unit 'dsr_per_100k' needs method 'published' (age-standardised rates are read, "
                             "with their intervals, from a published table); for a rate computed here use "
                             "unit 'rate_per_100k' with method 'crude_rate'")
        return self

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


# ---------------------------------------------------------------- frameworks

class SubOutcome(Model):
    code: Identifier
    title: str
    description: str = ""


class Outcome(Model):
    code: Identifier
    title: str
    description: str = ""
    sub_outcomes: tuple[SubOutcome, ...] = ()


class Milestone(Model):
    """A step the document commits to. ``due: None`` is "to be confirmed": never late. A status
    other than not_started is a claim of progress, so it must cite the document; progress made
    since is recorded in the store (review.milestones), never guessed in config. ``formerly``: titles it had
    before a retitling; progress recorded under one of them is this milestone's (the store keys progress by
    title, so without it a retitled milestone's recorded updates would stop being read)."""

    title: str
    formerly: tuple[str, ...] = ()
    due: Month | None = None
    status: Literal["not_started", "in_progress", "done"] = "not_started"
    evidence: str = ""
    title_provenance: Wording | None = None  # the document's words, or our summary of a passage
    due_provenance: Provenance | None = None
    status_provenance: Provenance | None = None

    @model_validator(mode="after")
    def _title_is_words(self) -> "Milestone":
        if self.title_provenance is not None and self.title_provenance.source == "not_named":
            raise ValueError("title_provenance: 'not_named' is for leads; a title is the document's words "
                             "(source: document) or ours summarising a passage (source: summary)")
        return self

    @model_validator(mode="after")
    def _progress_from_document(self) -> "Milestone":
        if self.status != "not_started" and (self.status_provenance is None
                                             or self.status_provenance.source != "document"):
            raise ValueError(f"status '{self.status}' claims progress: give 'status_provenance' with "
                             "source: document and the document's words, or record the progress in the "
                             "review page instead (config status: not_started)")
        return self


class Intention(Model):
    id: Identifier
    title: str
    theme: str = ""
    lead: str = ""
    lead_provenance: Wording | None = None  # named by the document, or not named (then shown as such)
    partners: tuple[str, ...] = ()
    rationale: str = ""
    expected_outcomes: str = ""
    outcomes: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()

    @model_validator(mode="after")
    def _lead_words(self) -> "Intention":
        if not self.lead and self.lead_provenance is not None and self.lead_provenance.source != "not_named":
            raise ValueError("lead_provenance says whose words the lead is, but there is no 'lead'; with no lead "
                             "give source: not_named and the reason")
        return self


class Delivery(Model):
    """Where a signed-off snapshot goes: files written into ``folder`` (relative paths are
    resolved against the project folder) and emailed to ``to`` (usernames or email addresses
    of people in the store who hold a grant; nobody else is ever emailed)."""

    folder: str = "data/deliveries"
    to: tuple[str, ...] = ()
    formats: tuple[Literal["exceptions_pdf", "exceptions_docx", "pdf", "docx", "xlsx", "csv"], ...] = (
        "exceptions_pdf", "exceptions_docx", "xlsx")


class ReviewSchedule(Model):
    """The monthly review: ``review: {day_of_month: 20, remind_working_days_before: 3}``.
    A day past the month's end (or a weekend / bank holiday) moves to the working day before."""

    day_of_month: int = Field(ge=1, le=31)
    remind_working_days_before: int = Field(default=3, ge=0, le=20)
    delivery: Delivery | None = None


class Framework(Model):
    id: Identifier
    title: str
    organisation: str
    default: bool = False  # the framework shown when none is named (at most one)
    area_name: str = ""
    area_code: str = ""
    source: str = ""
    document: str = ""  # the source document's text, relative to the config folder (documents/<id>.txt)
    description: str = ""
    areas: dict[str, str] = {}
    outcomes: tuple[Outcome, ...]
    intentions: tuple[Intention, ...]
    review: ReviewSchedule | None = None

    def outcome_codes(self) -> set[str]:
        codes = set()
        for outcome in self.outcomes:
            codes.add(outcome.code)
            codes.update(sub.code for sub in outcome.sub_outcomes)
        return codes

    def outcome_title(self, code: str) -> str:
        for outcome in self.outcomes:
            if outcome.code == code:
                return outcome.title
            for sub in outcome.sub_outcomes:
                if sub.code == code:
                    return sub.title
        return code

    def intention(self, intention_id: str) -> Intention | None:
        return next((i for i in self.intentions if i.id == intention_id), None)

    def metric_ids(self) -> list[str]:
        seen: list[str] = []
        for intention in self.intentions:
            seen.extend(m for m in intention.metrics if m not in seen)
        return seen


# ---------------------------------------------------------------- coverage ledger

CommitmentKind = Literal["aim", "intention", "sub_commitment", "benefit", "objective", "action", "target"]


class Commitment(Model):
    """One thing a council's document commits to, listed once in its framework's coverage ledger with how it is
    monitored: by metrics, by milestones (their titles), through whole intentions (their metrics and
    milestones), or not at all, with ``not_monitored`` saying why. ``words`` are the document's own."""

    words: str = Field(min_length=3)
    kind: CommitmentKind
    section: str
    intentions: tuple[Identifier, ...] = ()
    metrics: tuple[Identifier, ...] = ()
    milestones: tuple[str, ...] = ()
    not_monitored: str | None = None   # why not, in one sentence
    note: str = ""                     # what the monitoring leaves out, or where else the document says it

    @model_validator(mode="after")
    def _how_or_why_not(self) -> "Commitment":
        monitored = bool(self.intentions or self.metrics or self.milestones)
        if monitored and self.not_monitored:
            raise ValueError("give how it is monitored (metrics, milestones, intentions) or why it is not "
                             "(not_monitored), not both")
        if not monitored and not (self.not_monitored or "").strip():
            raise ValueError("say how it is monitored (metrics: [...], milestones: [...] or intentions: [...]) "
                             "or why it is not (not_monitored: \"why, in one sentence\")")
        return self


class Ledger(Model):
    """Every commitment of one framework's document, each listed once (DESIGN.md, "Coverage ledger")."""

    framework: Identifier
    commitments: tuple[Commitment, ...]


class ConfigFile(Model):
    """One YAML file: any of these sections."""

    datasources: tuple[DataSource, ...] = ()
    framework: Framework | None = None
    metrics: tuple[Metric, ...] = ()
    ingest: tuple[IngestSpec, ...] = ()
    ledger: Ledger | None = None
