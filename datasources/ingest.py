"""Load published files (CSV, NHS England style XLSX workbooks) into a database, all or nothing.

Every cell of every file named by the ingest specs is read and checked first; any
problem (missing file, missing sheet, unexpected header, a cell that is not the
declared type, a number out of range, a duplicate key, bytes that are not UTF-8, a
damaged workbook) is collected with the file, sheet, row and column and raised
together as an ``IngestError``. Only when nothing is wrong is the database changed,
in ONE transaction on every engine (SQLite included: see ``_transaction``), so a
failure or a killed process leaves it exactly as it was.

What a load replaces is its ``replace`` mode. ``periods`` (the spec's own files, which are the
publication): the periods present in the files (the key columns of a period type: month, financial
year, date), every row of them, keeping every other period. ``cells`` (a file given by hand, ``outcomes
ingest --file``): only the rows whose whole key (measure, period, area...) the files hold, so a file
of one row changes one row. ``all``: the table rebuilt from the files alone. :func:`plan` says, before
anything is written, what a load will delete; every load returns a ``TableLoad`` per table saying what
it added, replaced and kept.

The specs are the ``ingest:`` models declared in ``config/ingest.yaml`` (see
``datasources.ingest_spec``), beside this module, so ingestion needs nothing from the layers above.
"""

from __future__ import annotations

import csv
import glob
import io
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Sequence

import sqlalchemy as sa
from openpyxl.utils.cell import coordinate_from_string, coordinate_to_tuple, get_column_letter

from datasources import progress
from datasources.ingest_spec import IngestColumn, IngestSpec
from datasources.months import parse_month
from datasources.measure_map import MeasureMap, load_measure_map

# columns the measure map adds to a table (see datasources.measure_map)
MAP_ADDED = ("measure_id", "measure_title", "series_break", "quality_note")

MAX_LISTED = 25
_INT_MAX = 2**63 - 1
_INT_MIN = -(2**63)
PERIOD_TYPES = ("month", "financial_year", "fy_start_year", "calendar_year", "date")


@dataclass(frozen=True)
class IngestProblem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class IngestError(Exception):
    """The files cannot be loaded; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[IngestProblem]):
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            shown.append(f"... and {len(problems) - MAX_LISTED} more problem(s)")
        super().__init__("\n".join(shown) + "\nNothing was loaded; fix the file(s) and run the ingest again.")


@dataclass
class LoadedTable:
    spec_id: str
    table: str
    files: list[str]
    rows: list[dict[str, Any]]
    notes: list[str] | None = None   # data-quality notes (rows kept, and why), for the user


# ------------------------------------------------------------------ cell values

def column_letter(index: int) -> str:
    """0-based index -> spreadsheet letter (0 -> A)."""
    return get_column_letter(index + 1)


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower() if text is not None else ""


def convert(raw: Any, kind: str) -> Any:
    """A cell -> its typed value; raises ValueError with words for the user."""
    if kind == "text":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return str(raw).strip()
    if kind in ("integer", "number"):
        if isinstance(raw, bool):
            raise ValueError(f"{raw!r} is not a number")
        text = raw if isinstance(raw, (int, float)) else str(raw).strip().replace(",", "")
        if kind == "integer" and (isinstance(raw, int) or re.fullmatch(r"[+-]?\d+", str(text))):
            # Whole numbers are read exactly (not through a float) and must fit the database's
            # 64-bit INTEGER, or the insert would fail half-way with an OverflowError.
            whole = int(text)
            if not _INT_MIN <= whole <= _INT_MAX:
                raise ValueError(f"'{raw}' is too large for a whole-number column (at most {_INT_MAX:,})")
            return whole
        try:
            number = float(text)
        except (ValueError, OverflowError):
            raise ValueError(f"'{raw}' is not a number") from None
        if not math.isfinite(number):  # 1e400, inf and nan parse as floats but are not figures
            raise ValueError(f"'{raw}' is not a finite number")
        if kind == "integer":
            if not number.is_integer():
                raise ValueError(f"'{raw}' is not a whole number")
            if not _INT_MIN <= number <= _INT_MAX:
                raise ValueError(f"'{raw}' is too large for a whole-number column (at most {_INT_MAX:,})")
            return int(number)
        return number
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw).strip()[:10])
        except ValueError:
            raise ValueError(f"'{raw}' is not a date; expected YYYY-MM-DD") from None
    if kind == "month":
        if isinstance(raw, (datetime, date)):
            return date(raw.year, raw.month, 1)
        return parse_month(str(raw), names=True)
    if kind == "financial_year":
        m = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", str(raw).strip())
        if not m:
            raise ValueError(f"'{raw}' is not a financial year; expected e.g. 2023-24")
        start = int(m.group(1))
        end = int(m.group(2))
        if (end % 100) != (start + 1) % 100:
            raise ValueError(f"'{raw}' is not a financial year: the second year must follow the first")
        return date(start, 4, 1)
    if kind == "calendar_year":
        try:
            year = int(float(str(raw).strip()))
        except ValueError:
            raise ValueError(f"'{raw}' is not a year; expected e.g. 2023 for the calendar year 2023") from None
        if not 1990 <= year <= 2100:
            raise ValueError(f"'{raw}' is not a plausible year")
        return date(year, 1, 1)
    if kind == "fy_start_year":
        try:
            year = int(float(str(raw).strip()))
        except ValueError:
            raise ValueError(f"'{raw}' is not a year; expected e.g. 2023 for 2023/24") from None
        if not 1990 <= year <= 2100:
            raise ValueError(f"'{raw}' is not a plausible year")
        return date(year, 4, 1)
    raise ValueError(f"unknown type '{kind}'")


_TYPE_WORDS = {"text": "text", "integer": "a whole number", "number": "a number", "date": "a date (YYYY-MM-DD)",
               "month": "a month (YYYY-MM)", "financial_year": "a financial year (e.g. 2023-24)",
               "fy_start_year": "a year (e.g. 2023)", "calendar_year": "a year (e.g. 2023)"}


# ------------------------------------------------------------------ readers

class _Sheet:
    """Rows of one CSV file or one workbook sheet, as lists of raw cell values (1-based row numbers)."""

    def __init__(self, display: str, sheet: str | None, rows: Iterable[tuple[int, Sequence[Any]]],
                 cell: Any = None, total: int = 0):
        self.display = display
        self.sheet = sheet
        self.rows = rows
        self.cell = cell
        self.total = total   # rows in all, for the progress bar


def _csv_rows(display: str, text: str, problems: list[IngestProblem]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as exc:
        problems.append(IngestProblem(display, None, reader.line_num + 1, None,
                                      f"is not valid CSV here ({exc}); save the file again as CSV"))


def _decode(path: Path, display: str, problems: list[IngestProblem]) -> str | None:
    """The whole file as text, or a problem naming the row of the first byte that is not UTF-8
    (a file can be UTF-8 for pages and then hold one Latin-1 'é')."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        problems.append(IngestProblem(display, None, row, None,
                                      f"byte 0x{data[exc.start]:02X} is not UTF-8 text; save the file as "
                                      "CSV UTF-8 (in Excel: Save As, 'CSV UTF-8')"))
        return None


def _open(path: Path, display: str, spec: IngestSpec, problems: list[IngestProblem]) -> _Sheet | None:
    if spec.format == "csv":
        text = _decode(path, display, problems)
        if text is None:
            return None
        return _Sheet(display, None, _csv_rows(display, text, problems), total=text.count("\n"))
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        if spec.sheet not in book.sheetnames:
            problems.append(IngestProblem(display, spec.sheet, None, None,
                                          f"has no sheet '{spec.sheet}'; sheets are: {', '.join(book.sheetnames)}"))
            book.close()
            return None
        rows = list(book[spec.sheet].iter_rows(values_only=True))
        book.close()
    except Exception as exc:  # noqa: BLE001 - a damaged archive raises zip, zlib, XML or key errors, all the file's fault
        problems.append(IngestProblem(display, spec.sheet, None, None,
                                      f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}); "
                                      "open it in Excel and save it again, or download it again"))
        return None

    def cell(ref: str) -> Any:
        r, col = coordinate_to_tuple(ref)
        if r > len(rows) or col > len(rows[r - 1]):
            return None
        return rows[r - 1][col - 1]

    return _Sheet(display, spec.sheet, ((i, list(r)) for i, r in enumerate(rows, start=1)), cell, total=len(rows))


# ------------------------------------------------------------------ reading one file

def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def read_file(path: Path, display: str, spec: IngestSpec, measure_map: MeasureMap | None = None,
              notes: list[str] | None = None) -> tuple[list[dict[str, Any]], list[IngestProblem]]:
    """Every row of one file as typed dicts, or the problems found (never both half-way).
    ``notes`` receives what was loaded differently from the file, and why (repeated rows loaded
    once, rows dropped by the spec's ``drop_rows``)."""
    problems: list[IngestProblem] = []
    sheet = _open(path, display, spec, problems)
    if sheet is None:
        return [], problems
    with progress.stage(f"reading {Path(display).name}", sheet.total) as tick:
        sheet.rows = _ticking(sheet.rows, tick)
        return _read_rows(sheet, display, spec, measure_map, problems, notes if notes is not None else [])


def _same_figures(first: dict[str, Any], again: dict[str, Any]) -> bool:
    """The same row again: every value equal, numbers allowed to differ only by rounding
    (a publisher repeating 20.0558045901172 as 20.0558)."""
    for name, a in first.items():
        b = again.get(name)
        if isinstance(a, float) and isinstance(b, float):
            places = min(_decimals(a), _decimals(b))
            if not math.isclose(round(a, places), round(b, places), rel_tol=0, abs_tol=10 ** -(places + 6)):
                return False
        elif a != b:
            return False
    return True


def _decimals(number: float) -> int:
    """Decimal places as the number was written (Python's shortest repr gives them back)."""
    text = repr(number)
    if "e" in text or "inf" in text or "nan" in text:
        return 15
    return len(text.split(".")[1]) if "." in text else 0


def _rows_words(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def _ticking(rows: Iterable[tuple[int, Sequence[Any]]], tick) -> Iterator[tuple[int, Sequence[Any]]]:
    """The rows, reporting progress every thousand (a tick per row would cost more than the bar is worth)."""
    count = 0
    for row in rows:
        yield row
        count += 1
        if count % 1000 == 0:
            tick(1000)
    tick(count % 1000)


def _read_rows(sheet: _Sheet, display: str, spec: IngestSpec, measure_map: MeasureMap | None,
               problems: list[IngestProblem], notes: list[str]) -> tuple[list[dict[str, Any]], list[IngestProblem]]:
    file_values: dict[str, Any] = {}
    for fv in spec.file_values:
        column, row = coordinate_from_string(fv.cell)
        raw = sheet.cell(fv.cell) if sheet.cell else None
        match = re.search(fv.pattern, str(raw)) if raw is not None else None
        if not match:
            problems.append(IngestProblem(display, sheet.sheet, row, column,
                                          f"expected {fv.name} matching /{fv.pattern}/ in cell {fv.cell}, "
                                          f"found {raw!r}"))
            continue
        text = match.groupdict().get(fv.name) or (match.group(1) if match.groups() else match.group(0))
        try:
            file_values[fv.name] = convert(text, fv.type)
        except ValueError as exc:
            problems.append(IngestProblem(display, sheet.sheet, row, column, f"{fv.name}: {exc}"))

    header_first = spec.header_row - spec.header_rows + 1
    header_cells: list[list[Any]] = []
    positions: dict[str, int] = {}
    rows_out: list[dict[str, Any]] = []
    seen_keys: dict[tuple[Any, ...], int] = {}
    first_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    repeated: list[int] = []
    dropped: dict[int, list[int]] = {}   # drop_rows rule -> file rows it dropped
    data_started = False
    for number, values in sheet.rows:
        if number < header_first:
            continue
        if number <= spec.header_row:
            header_cells.append(list(values))
            if number < spec.header_row:
                continue
            width = max(len(r) for r in header_cells)
            headers = [" ".join(_norm(r[i]) for r in header_cells if i < len(r) and _norm(r[i])).strip()
                       for i in range(width)]
            wanted = [c for c in spec.columns if c.header is not None]
            for col in wanted:
                target = _norm(col.header)
                hits = [i for i, h in enumerate(headers) if h == target]
                if len(hits) != 1:
                    found = ", ".join(f"{column_letter(i)}='{h}'" for i, h in enumerate(headers) if h) or "none"
                    problem = "is missing" if not hits else "appears more than once"
                    problems.append(IngestProblem(display, sheet.sheet, spec.header_row, None,
                                                  f"expected header '{col.header}' (for {col.name}) {problem}; "
                                                  f"headers found: {found}"))
                else:
                    positions[col.name] = hits[0]
            if problems:
                return [], problems
            # Each column's place as a problem names it, worked out once, not for each of its cells.
            wheres = {c.name: (f"{column_letter(positions[c.name])} ({c.header})" if spec.format == "xlsx"
                               else f"{positions[c.name] + 1} ({c.header})") for c in wanted}
            data_started = True
            continue
        if not data_started:
            continue
        cells = [values[positions[c.name]] if positions[c.name] < len(values) else None
                 for c in spec.columns if c.header is not None]
        if _blank(cells):
            if spec.stop_at_blank_row:
                break
            continue
        record: dict[str, Any] = {}
        for col in spec.columns:
            if col.value is not None:
                record[col.name] = file_values.get(col.value)
                continue
            index = positions[col.name]
            raw = values[index] if index < len(values) else None
            where = wheres[col.name]
            text = "" if raw is None else str(raw).strip()
            if text == "" or text in col.missing:
                if col.required:
                    what = "is empty" if text == "" else f"holds '{text}' (not available)"
                    problems.append(IngestProblem(display, sheet.sheet, number, where,
                                                  f"{col.name} {what} but is required; "
                                                  f"enter {_TYPE_WORDS[col.type]}"))
                record[col.name] = None
                continue
            try:
                value = convert(raw, col.type)
            except ValueError as exc:
                extra = f" or one of {list(col.missing)} for not available" if col.missing else ""
                problems.append(IngestProblem(display, sheet.sheet, number, where,
                                              f"{col.name}: {exc}; enter {_TYPE_WORDS[col.type]}{extra}"))
                continue
            if col.allowed and value not in col.allowed:
                problems.append(IngestProblem(display, sheet.sheet, number, where,
                                              f"{col.name}: unexpected value '{value}'; expected one of "
                                              f"{', '.join(col.allowed)}"))
                continue
            record[col.name] = value
        complete = len(record) == len(spec.columns)
        rule = next((i for i, d in enumerate(spec.drop_rows) if complete and record.get(d.column) in d.values), None)
        if rule is not None:
            dropped.setdefault(rule, []).append(number)
            continue
        if spec.key and complete:
            key = tuple(record.get(k) for k in spec.key)
            if key in seen_keys:
                if spec.repeated_rows == "once" and _same_figures(first_rows[key], record):
                    repeated.append(number)
                    continue
                problems.append(IngestProblem(display, sheet.sheet, number, None,
                                              f"duplicate row for {dict(zip(spec.key, key))} "
                                              f"(first at row {seen_keys[key]})"
                                              + (" with different figures" if spec.repeated_rows == "once" else "")))
            else:
                seen_keys[key] = number
                if spec.repeated_rows == "once":
                    first_rows[key] = dict(record)
        if measure_map is not None and len(record) == len(spec.columns):
            mismatch = measure_map.apply(record, display, number)
            if mismatch:
                problems.append(IngestProblem(display, sheet.sheet, number, None, mismatch))
        record["source_file"] = Path(display).name
        rows_out.append(record)
    if not data_started and not problems:
        problems.append(IngestProblem(display, sheet.sheet, spec.header_row, None,
                                      "the header row is missing (the file is shorter than header_row)"))
    if data_started and not rows_out and not problems:
        problems.append(IngestProblem(display, sheet.sheet, spec.header_row + 1, None, "has no data rows"))
    if problems:
        return [], problems
    name = Path(display).name
    if repeated:
        notes.append(f"{name}: {len(repeated)} row(s) repeat an earlier row with the same figures (exactly, or "
                     f"at another rounding) and were loaded once: rows {_rows_words(repeated)}")
    for rule, numbers in dropped.items():
        d = spec.drop_rows[rule]
        notes.append(f"{name}: {len(numbers)} row(s) with {d.column} in {list(d.values)} not loaded: {d.reason} "
                     f"(rows {_rows_words(numbers)})")
    return rows_out, []


# ------------------------------------------------------------------ whole load

def spec_files(spec: IngestSpec, project_root: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for pattern in spec.files:
        matches = sorted(glob.glob(str(project_root / pattern)))
        if not matches:
            found.append((project_root / pattern, pattern))
        for m in matches:
            path = Path(m)
            try:
                display = str(path.relative_to(project_root))
            except ValueError:
                display = str(path)
            found.append((path, display))
    return found


def read_all(specs: Sequence[IngestSpec], project_root: Path,
             files: dict[str, list[Path]] | None = None) -> list[LoadedTable]:
    """Read and check every file of every spec; raise IngestError listing all problems.

    ``files`` overrides a spec's own file list by spec id (for ``outcomes ingest --file``)."""
    problems: list[IngestProblem] = []
    tables: list[LoadedTable] = []
    for spec in specs:
        if files and spec.id in files:
            chosen = [(p, str(p)) for p in files[spec.id]]
        else:
            chosen = spec_files(spec, project_root)
        rows: list[dict[str, Any]] = []
        measure_map = None
        if spec.measure_map is not None:
            measure_map, map_problems = load_measure_map(spec.measure_map, project_root)
            problems.extend(IngestProblem(p.split(":")[0], None, None, None, p.split(": ", 1)[1])
                            for p in map_problems)
            if measure_map is None:
                continue
        keys: dict[tuple[Any, ...], str] = {}
        spec_notes: list[str] = []
        for path, display in chosen:
            if not path.is_file():
                problems.append(IngestProblem(display, None, None, None, "file not found"))
                continue
            file_rows, file_problems = read_file(path, display, spec, measure_map, spec_notes)
            problems.extend(file_problems)
            if spec.key:
                for r in file_rows:
                    key = tuple(r.get(k) for k in spec.key)
                    if key in keys and keys[key] != display:
                        problems.append(IngestProblem(display, spec.sheet, None, None,
                                                      f"duplicate row for {dict(zip(spec.key, key))}: "
                                                      f"also in {keys[key]}"))
                        break
                    keys.setdefault(key, display)
            rows.extend(file_rows)
        tables.append(LoadedTable(spec.id, spec.table, [d for _, d in chosen], rows,
                                  (measure_map.notes if measure_map else []) + spec_notes))
    if problems:
        raise IngestError(problems)
    return tables


_SQL_TYPES = {"text": sa.Text, "integer": sa.Integer, "number": sa.Float, "date": sa.Date, "month": sa.Date,
              "financial_year": sa.Date, "fy_start_year": sa.Date, "calendar_year": sa.Date}


def table_for(spec: IngestSpec, metadata: sa.MetaData) -> sa.Table:
    columns = [sa.Column(c.name, _SQL_TYPES[c.type](), nullable=not c.required) for c in spec.columns]
    if spec.measure_map is not None:
        columns.extend(sa.Column(name, sa.Text(), nullable=True) for name in MAP_ADDED)
    columns.append(sa.Column("source_file", sa.Text(), nullable=False))
    return sa.Table(spec.table, metadata, *columns)


#: What a load replaces: the rows of the cells (whole keys) the files hold, every row of the periods they
#: hold, or the whole table.
Replace = Literal["cells", "periods", "all"]


def _listed(labels: list[str]) -> str:
    if not labels:
        return "none"
    shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
    return f"{len(labels)} ({shown})"


@dataclass
class TableLoad:
    """What one load did to one table, by slice: the values of the spec's period key columns
    (or of the whole key when none is a period); a ``cells`` load also counts the cells (whole keys)."""

    table: str
    mode: Replace
    slice_columns: tuple[str, ...]
    rows_written: int = 0
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rows_kept: int = 0
    cells_added: int = 0
    cells_replaced: int = 0

    def summary(self) -> str:
        what = "/".join(self.slice_columns) or "rows"
        if self.mode == "cells":
            return (f"{self.table}: wrote {_rows(self.rows_written)}; keys added {self.cells_added:,}, replaced "
                    f"{self.cells_replaced:,} (in {what} {_listed(self.added + self.replaced)}); every other row "
                    f"kept ({_rows(self.rows_kept)})")
        parts = [f"{self.table}: wrote {self.rows_written:,} rows; {what} added {_listed(self.added)}",
                 f"replaced {_listed(self.replaced)}", f"kept {_listed(self.kept)} ({self.rows_kept:,} rows)"]
        if self.mode == "all":
            parts.append(f"removed by --replace-all {_listed(self.removed)}")
        return "; ".join(parts)


@dataclass
class TablePlan:
    """What a load will delete from one table, said before anything is written (and all a dry run does)."""

    table: str
    mode: Replace
    slice_columns: tuple[str, ...]
    rows_now: int                   # rows in the table now (0 when there is no table yet)
    rows_incoming: int
    replaced: int                   # rows the files hold again (deleted, then written from the files)
    dropped: int                    # rows deleted that the files do not hold
    dropped_in: list[str] = field(default_factory=list)   # the slices (periods) those rows are in

    def words(self) -> str:
        what = "/".join(self.slice_columns) or "rows"
        start = f"{self.table}: will write {_rows(self.rows_incoming)} from the files"
        if self.mode == "all":
            return (f"{start}; --replace-all deletes every row now in the table ({self.rows_now:,}), "
                    f"{self.dropped:,} of them not in the files")
        replaced = f"replacing {_rows(self.replaced)} loaded before for the same keys"
        if self.mode == "cells":
            return f"{start}, {replaced}; deletes nothing else ({_rows(self.rows_now - self.replaced)} kept)"
        if not self.dropped:
            return f"{start}, {replaced}; deletes nothing else"
        return (f"{start}, {replaced}; and deletes {_rows(self.dropped)} the files do not hold, replacing whole "
                f"periods: {what} {_listed(self.dropped_in)}")


def _rows(count: int) -> str:
    return f"{count:,} row{'' if count == 1 else 's'}"


def slice_columns(spec: IngestSpec) -> tuple[str, ...]:
    """The key columns that name a period; a load replaces whole periods. Without one, the whole key."""
    types = {c.name: c.type for c in spec.columns}
    periods = tuple(k for k in spec.key if types.get(k) in PERIOD_TYPES)
    return periods or tuple(spec.key)


def _label(values: tuple[Any, ...]) -> str:
    return " / ".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


@contextmanager
def _transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction around DDL and DML alike. Python's sqlite3 driver opens a transaction
    only before INSERT/UPDATE/DELETE, so DROP and CREATE would commit at once and a failure
    would leave the table dropped. As in SQLAlchemy's documented pysqlite recipe, the driver's
    own transaction handling is switched off and BEGIN is emitted explicitly (only on this
    connection, restored before it goes back to the pool). Other engines have transactional DDL."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        raw = conn.connection.driver_connection
        previous = raw.isolation_level  # type: ignore[union-attr]
        raw.isolation_level = None  # type: ignore[union-attr]
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
        finally:
            raw.isolation_level = previous  # type: ignore[union-attr]


def _insert_batch(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    conn.execute(table.insert(), rows)


def _existing_slices(conn: sa.Connection, table: sa.Table, columns: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
    if not columns:
        return {}
    query = sa.select(*(table.c[c] for c in columns), sa.func.count().label("n")).group_by(
        *(table.c[c] for c in columns))
    return {tuple(r[:-1]): r[-1] for r in conn.execute(query)}


def _columns_fit(conn: sa.Connection, spec: IngestSpec, table: sa.Table, replace: Replace) -> bool:
    """Does the table exist with the columns the spec declares? A table of other columns can only be
    rebuilt (``all``); a load of some cells or periods into it stops with the reason."""
    if not sa.inspect(conn).has_table(spec.table):
        return False
    declared = [c.name for c in table.columns]
    # Read from an empty result rather than reflected: duckdb_engine's reflection needs pg_catalog tables.
    found = list(conn.execute(sa.select(sa.text("*")).select_from(sa.table(spec.table)).limit(0)).keys())
    if sorted(found) == sorted(declared):
        return True
    if replace != "all":
        raise IngestError([IngestProblem(spec.table, None, None, None,
                                         f"the table has columns {', '.join(found)} but the spec declares "
                                         f"{', '.join(declared)}; run again with --replace-all to rebuild "
                                         "it from the files (periods not in the files are then removed)")])
    return False


def _needs_key(spec: IngestSpec, replace: Replace) -> None:
    if replace != "all" and not spec.key:
        raise IngestError([IngestProblem(spec.table, None, None, None,
                                         "the spec declares no 'key', so the rows in the file cannot be told "
                                         "apart from those already loaded; declare a key or use --replace-all")])


def _keys_in(conn: sa.Connection, table: sa.Table, spec: IngestSpec, slices: list[tuple[Any, ...]]) -> list[tuple]:
    """The whole key of every row now in the table whose slice (period) is one of ``slices``."""
    cols = slice_columns(spec)
    found: list[tuple] = []
    for start in range(0, len(slices), 500):
        chosen = slices[start:start + 500]
        where = sa.or_(*(sa.and_(*(table.c[c] == v for c, v in zip(cols, one))) for one in chosen))
        found += [tuple(r) for r in conn.execute(sa.select(*(table.c[k] for k in spec.key)).where(where))]
    return found


def _plan_table(conn: sa.Connection, spec: IngestSpec, loaded: LoadedTable, replace: Replace) -> TablePlan:
    table = table_for(spec, sa.MetaData())
    cols = slice_columns(spec)
    _needs_key(spec, replace)
    fits = _columns_fit(conn, spec, table, replace)
    present = fits or sa.inspect(conn).has_table(spec.table)
    rows_now = conn.execute(sa.select(sa.func.count()).select_from(sa.table(spec.table))).scalar_one() if present else 0
    plan = TablePlan(spec.table, replace, cols, rows_now, len(loaded.rows), 0, rows_now if replace == "all" else 0)
    if not fits:
        return plan
    incoming_keys = {tuple(r[k] for k in spec.key) for r in loaded.rows}
    if replace == "all":
        if spec.key:
            plan.replaced = sum(1 for key in conn.execute(sa.select(*(table.c[k] for k in spec.key)))
                                if tuple(key) in incoming_keys)
            plan.dropped = rows_now - plan.replaced
        return plan
    slices = sorted({tuple(r[c] for c in cols) for r in loaded.rows}, key=_label)
    now = _keys_in(conn, table, spec, slices)
    plan.replaced = sum(1 for key in now if key in incoming_keys)
    if replace == "periods":
        position = {k: i for i, k in enumerate(spec.key)}
        gone = [key for key in now if key not in incoming_keys]
        plan.dropped = len(gone)
        plan.dropped_in = [_label(s) for s in sorted({tuple(key[position[c]] for c in cols) for key in gone},
                                                     key=_label)]
    return plan


def plan(engine: sa.Engine, specs: Sequence[IngestSpec], tables: list[LoadedTable],
         replace: Replace = "periods") -> list[TablePlan]:
    """What loading ``tables`` will delete, table by table, read before anything is written."""
    by_id = {s.id: s for s in specs}
    try:
        with engine.connect() as conn:
            return [_plan_table(conn, by_id[t.spec_id], t, replace) for t in tables]
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise IngestError([IngestProblem(", ".join(t.table for t in tables), None, None, None,
                                         f"the database could not be read to plan the load ({detail}); "
                                         "nothing was written")]) from exc


def _delete_cells(conn: sa.Connection, table: sa.Table, spec: IngestSpec, rows: list[dict[str, Any]]) -> None:
    """Delete the rows whose whole key is one of the files' (a missing key value matches a missing one)."""
    by_shape: dict[tuple[bool, ...], set[tuple[Any, ...]]] = {}
    for r in rows:
        key = tuple(r[k] for k in spec.key)
        by_shape.setdefault(tuple(v is None for v in key), set()).add(key)
    for shape, keys in by_shape.items():
        match = sa.and_(*(table.c[k].is_(None) if empty else table.c[k] == sa.bindparam(f"key_{k}")
                          for k, empty in zip(spec.key, shape)))
        values = [{f"key_{k}": v for k, v, empty in zip(spec.key, key, shape) if not empty} for key in sorted(
            keys, key=_label)]
        if all(shape):
            conn.execute(table.delete().where(match))
        else:
            conn.execute(table.delete().where(match), values)


def _write_table(conn: sa.Connection, spec: IngestSpec, loaded: LoadedTable, replace: Replace) -> TableLoad:
    table = table_for(spec, sa.MetaData())
    cols = slice_columns(spec)
    report = TableLoad(spec.table, replace, cols)
    _needs_key(spec, replace)
    exists = _columns_fit(conn, spec, table, replace)
    before = _existing_slices(conn, table, cols) if exists else {}
    incoming = sorted({tuple(r[c] for c in cols) for r in loaded.rows}, key=_label)
    if replace == "cells" and exists:
        incoming_keys = {tuple(r[k] for k in spec.key) for r in loaded.rows}
        known = set(_keys_in(conn, table, spec, incoming))
        report.cells_replaced = len(incoming_keys & known)
        report.cells_added = len(incoming_keys) - report.cells_replaced
    elif replace == "cells":
        report.cells_added = len({tuple(r[k] for k in spec.key) for r in loaded.rows})
    if replace == "all" or not exists:
        table.drop(conn, checkfirst=True)
        table.create(conn)
        if spec.key:
            sa.Index(f"ix_{spec.table}_key", *(table.c[k] for k in spec.key)).create(conn)
    elif replace == "cells":
        _delete_cells(conn, table, spec, loaded.rows)
    elif incoming:
        match = sa.and_(*(table.c[c] == sa.bindparam(f"slice_{c}") for c in cols))
        conn.execute(table.delete().where(match), [{f"slice_{c}": v for c, v in zip(cols, key)} for key in incoming])
    for start in range(0, len(loaded.rows), 5000):
        _insert_batch(conn, table, loaded.rows[start:start + 5000])
    incoming_set = set(incoming)
    report.rows_written = len(loaded.rows)
    report.added = [_label(k) for k in incoming if k not in before]
    report.replaced = [_label(k) for k in incoming if k in before]
    untouched = sorted((k for k in before if k not in incoming_set), key=_label)
    if replace == "all":
        report.removed = [_label(k) for k in untouched]
    elif replace == "cells":
        report.kept = [_label(k) for k in untouched]
        report.rows_kept = sum(before.values()) - report.cells_replaced
    else:
        report.kept = [_label(k) for k in untouched]
        report.rows_kept = sum(before[k] for k in untouched)
    return report


def write_all(engine: sa.Engine, specs: Sequence[IngestSpec], tables: list[LoadedTable],
              replace: Replace = "periods") -> dict[str, TableLoad]:
    """Write every table in ONE transaction: all of it, or (on any error, or if the process
    dies) none of it."""
    by_id = {s.id: s for s in specs}
    reports: dict[str, TableLoad] = {}
    names = [t.table for t in tables]
    before: dict[str, int | None] | None = None  # known once the tables were counted, before any write
    try:
        _readers_never_wait(engine)
        before = _row_counts(engine, names)
        with _transaction(engine) as conn:
            for loaded in tables:
                reports[loaded.table] = _write_table(conn, by_id[loaded.spec_id], loaded, replace)
    except IngestError:
        raise
    except (sa.exc.SQLAlchemyError, OverflowError, ValueError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        outcome = _after_failure(engine, names, before)
        raise IngestError([IngestProblem(", ".join(names), None, None, None,
                                         f"the database refused the load ({type(exc).__name__}: {detail}); "
                                         f"{outcome}")]) from exc
    return reports


def _readers_never_wait(engine: sa.Engine) -> None:
    """SQLite: write-ahead logging, set once on the file and kept. A load then writes beside the database,
    never into it until it commits: readers (the dashboard opens the file read-only) go on reading what was
    there, and a load that is killed or runs out of disk leaves nothing a reader must roll back (in the
    default rollback journal, an interrupted load left a journal that only a writer can undo, so every
    read-only reader failed with "attempt to write a readonly database" until someone wrote). The other
    engines keep an unfinished transaction away from readers by themselves."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")


def _row_counts(engine: sa.Engine, tables: list[str]) -> dict[str, int | None]:
    """Rows in each table (None: no such table), to tell afterwards whether a failed load left them so."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {t: conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar_one()
                if inspector.has_table(t) else None for t in tables}


def _after_failure(engine: sa.Engine, tables: list[str], before: dict[str, int | None] | None) -> str:
    """What a failed load left, found by reading the database again as a reader would (on SQLite, read-only,
    as the dashboard opens it), never assumed: a full disk or a file-size limit can stop a rollback too."""
    from datasources.engines import make_read_only_engine

    if before is None:
        return "nothing was written"
    reader = engine
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        reader = make_read_only_engine(engine.url.render_as_string(hide_password=False), 10)
    try:
        now = _row_counts(reader, tables)
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return (f"reading the database afterwards failed ({detail}), so it may not have been rolled back yet; "
                "free some disk space and run the load again: the next load rolls back what is left")
    finally:
        if reader is not engine:
            reader.dispose()
    if now != before:
        return (f"the tables now hold {now} rows where they held {before}, so it may not have been rolled back; "
                "run the load again")
    return "it was rolled back: reading the database again finds every table as it was"


def ingest(engine: sa.Engine, specs: Sequence[IngestSpec], project_root: Path,
           files: dict[str, list[Path]] | None = None, replace: Replace = "periods",
           notes: list[str] | None = None) -> dict[str, TableLoad]:
    """Check everything, then load everything; on any problem load nothing and raise IngestError.

    ``replace`` (the module's modes): ``periods`` by default, every row of the periods in the files;
    ``cells``, only the rows of the keys the files hold; ``all``, each table rebuilt from the files alone.
    ``notes``, when given, receives the data-quality notes: rows loaded despite a flaw at source (see
    datasources.measure_map)."""
    tables = read_all(specs, project_root, files)
    if notes is not None:
        for t in tables:
            notes.extend(t.notes or ())
    return write_all(engine, specs, tables, replace)
