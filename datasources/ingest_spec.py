"""Declarations of published files to load (``ingest:`` sections in config) and of where data come from.

They live beside the ingestion that reads them; the metric models in ``metrics.definitions`` use
``SourceNote`` for a metric's provenance.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=80)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceNote(Model):
    name: str
    publisher: str = ""
    licence: str = ""
    url: str = ""
    synthetic: bool = False

    @field_validator("url")
    @classmethod
    def _a_web_address(cls, url: str) -> str:
        # Every report makes it a link a reader follows: only a web page, never a script or a file on a machine.
        if url and not re.fullmatch(r"https?://[^\s\"'<>]+", url):
            raise ValueError(f"{url!r} is not a web address: give the page where the data are published, "
                             "starting with https://, or leave 'url' out")
        return url


IngestType = Literal["text", "integer", "number", "date", "month", "financial_year", "fy_start_year",
                     "calendar_year"]


class IngestColumn(Model):
    """One column of the target table and where it comes from in the file.

    ``header``: the header text in the file (whitespace collapsed, case ignored); for
    two-row headers the two cells joined by a space. ``value``: a per-file value read
    from a cell (see ``IngestFileValue``) instead of a column. Types: ``month``
    ('2024-01', 'January 2024'), ``financial_year`` ('2023-24', '2023/24') and
    ``fy_start_year`` (2023) are stored as the first day of the period."""

    name: Identifier
    header: str | None = None
    value: Identifier | None = None
    type: IngestType = "text"
    required: bool = True
    missing: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> "IngestColumn":
        if (self.header is None) == (self.value is None):
            raise ValueError("give exactly one of 'header' (a column in the file) or 'value' (a per-file value)")
        return self


class DropRows(Model):
    """Rows not to load, with the reason the ingest reports (e.g. indicators a file cannot
    hold correctly: quarterly figures without a quarter column)."""

    column: Identifier
    values: tuple[str | int, ...] = Field(min_length=1)
    reason: str = Field(min_length=1)


class IngestFileValue(Model):
    """A value read once per file from a cell, e.g. the month in a workbook's title row."""

    name: Identifier
    cell: str = Field(pattern=r"^[A-Z]{1,3}[0-9]+$")
    pattern: str
    type: IngestType = "text"


class Publication(Model):
    """When a source publishes: ``publication: {frequency: monthly, lag_days: 42}`` means each
    month's figures are expected about 42 days after the month ends (the cycle's data check
    reports a source as late after that; it never guesses the missing figures)."""

    frequency: Literal["monthly", "quarterly", "annual"]
    lag_days: int = Field(ge=0, le=730)


class MeasureMapSpec(Model):
    """Stable national measure ids for published codes (see ``datasources.measure_map``)."""

    file: str
    code_column: Identifier
    year_column: Identifier
    description_column: Identifier
    known_mislabels: str | None = None


class IngestSpec(Model):
    id: Identifier
    title: str = ""
    datasource: Identifier = "sample"
    files: tuple[str, ...] = Field(min_length=1)
    format: Literal["csv", "xlsx"]
    sheet: str | None = None
    header_row: int = Field(default=1, ge=1)
    header_rows: int = Field(default=1, ge=1, le=3)
    stop_at_blank_row: bool = False
    table: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    key: tuple[str, ...] = ()
    file_values: tuple[IngestFileValue, ...] = ()
    columns: tuple[IngestColumn, ...] = Field(min_length=1)
    measure_map: MeasureMapSpec | None = None
    source: SourceNote | None = None
    publication: Publication | None = None
    # A key seen twice stops the ingest ("refuse"); "once" loads a row that repeats an earlier
    # row's figures (exactly, or the same figure at another rounding) once and reports it, while a
    # repeat with different figures still stops the ingest.
    repeated_rows: Literal["refuse", "once"] = "refuse"
    drop_rows: tuple[DropRows, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "IngestSpec":
        if self.format == "xlsx" and not self.sheet:
            raise ValueError("an xlsx ingest needs the 'sheet' to read")
        names = [c.name for c in self.columns]
        for k in self.key:
            if k not in names:
                raise ValueError(f"key column '{k}' is not among the declared columns")
        values = {v.name for v in self.file_values}
        for c in self.columns:
            if c.value is not None and c.value not in values:
                raise ValueError(f"column '{c.name}' takes value '{c.value}', which is not declared in file_values")
        if self.measure_map is not None:
            m = self.measure_map
            for what, col in (("code_column", m.code_column), ("year_column", m.year_column),
                              ("description_column", m.description_column)):
                if col not in names:
                    raise ValueError(f"measure_map {what} '{col}' is not among the declared columns")
        if self.header_rows > self.header_row:
            raise ValueError("header_rows cannot be more than header_row")
        for d in self.drop_rows:
            if d.column not in names:
                raise ValueError(f"drop_rows column '{d.column}' is not among the declared columns")
        return self
