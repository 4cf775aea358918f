"""Cross-reference rules over the parsed config.

Each rule returns a list of issues instead of raising, so every problem is reported at
once; a crash inside a rule is reported as our bug, not as the user's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from datasources.sql_periods import PERIOD_DIALECTS
from metrics.definitions.parsed import Config, ConfigIssue, SourceFile
from metrics.definitions.models import ConfigFile, SqlBinding, TableBinding

Parsed = list[tuple[SourceFile, ConfigFile]]


def _indexed(source: SourceFile, section: str, items: tuple[Any, ...]) -> list[tuple[int, Any]]:
    """Valid items with their index in the file as written (an invalid item before them
    is left out of ``items`` but still counts for the line numbers)."""
    positions = source.positions.get(section, list(range(len(items))))
    return list(zip(positions, items))


def _close(word: str, known: set[str]) -> str:
    import difflib

    match = difflib.get_close_matches(word, sorted(known), n=1)
    return f"; did you mean '{match[0]}'?" if match else ""


def _unique_ids(parsed: Parsed) -> list[ConfigIssue]:
    issues = []
    seen: dict[tuple[str, str], str] = {}
    for source, cfg in parsed:
        groups: list[tuple[str, list[tuple[int, str]]]] = [
            ("datasources", [(i, d.id) for i, d in _indexed(source, "datasources", cfg.datasources)]),
            ("metrics", [(i, m.id) for i, m in _indexed(source, "metrics", cfg.metrics)]),
        ]
        if cfg.framework:
            groups.append(("framework", [(0, cfg.framework.id)]))
        for kind, ids in groups:
            for index, ident in ids:
                loc = (kind, "id") if kind == "framework" else (kind, index, "id")
                where = "{}:{}".format(*source.origin(loc))
                if (kind, ident) in seen:
                    issues.append(source.issue(loc, f"duplicate {kind} id '{ident}' (first defined at {seen[(kind, ident)]}); "
                                              "ids must be unique across config"))
                else:
                    seen[(kind, ident)] = where
    return issues


def _one_default_framework(parsed: Parsed) -> list[ConfigIssue]:
    marked = [(source, cfg.framework) for source, cfg in parsed if cfg.framework and cfg.framework.default]
    issues = []
    for source, fw in marked[1:]:
        loc = ("framework", "default")
        issues.append(source.issue(loc,
                                  f"'{fw.id}' and '{marked[0][1].id}' are both marked default; keep one"))
    return issues


def _intention_refs(parsed: Parsed, metric_ids: set[str]) -> list[ConfigIssue]:
    issues = []
    for source, cfg in parsed:
        fw = cfg.framework
        if fw is None:
            continue
        codes = fw.outcome_codes()
        intention_ids: set[str] = set()
        for i, intention in enumerate(fw.intentions):
            if intention.id in intention_ids:
                loc = ("framework", "intentions", i, "id")
                issues.append(source.issue(loc, f"duplicate intention id '{intention.id}' in framework '{fw.id}'"))
            intention_ids.add(intention.id)
            for j, code in enumerate(intention.outcomes):
                if code not in codes:
                    loc = ("framework", "intentions", i, "outcomes", j)
                    issues.append(source.issue(loc, f"unknown outcome code '{code}'{_close(code, codes)}; "
                                              f"declare it under framework.outcomes"))
            for j, metric_id in enumerate(intention.metrics):
                if metric_id not in metric_ids:
                    loc = ("framework", "intentions", i, "metrics", j)
                    issues.append(source.issue(loc, f"unknown metric '{metric_id}'{_close(metric_id, metric_ids)}; "
                                              "declare it under 'metrics' in any config file"))
    return issues


def _milestone_titles(parsed: Parsed) -> list[ConfigIssue]:
    """Recorded progress is keyed by (intention, title), current or former (``formerly``): a title that
    names two milestones of one intention would give one milestone's progress to the other."""
    issues = []
    for source, cfg in parsed:
        if cfg.framework is None:
            continue
        for i, intention in enumerate(cfg.framework.intentions):
            current: dict[str, int] = {}  # title -> the first milestone that has it
            for j, milestone in enumerate(intention.milestones):
                current.setdefault(milestone.title, j)
            seen: dict[str, int] = {}  # former title -> the milestone that claims it
            for j, milestone in enumerate(intention.milestones):
                loc = ("framework", "intentions", i, "milestones", j, "title")
                if current[milestone.title] != j:
                    issues.append(source.issue(loc, f"milestone title '{milestone.title}' is used twice in "
                                              f"intention '{intention.id}'; give each milestone its own title"))
                for k, former in enumerate(milestone.formerly):
                    loc = ("framework", "intentions", i, "milestones", j, "formerly", k)
                    if former in current:
                        whose = "this milestone's own title" if current[former] == j else "another milestone's title"
                        issues.append(source.issue(loc, f"'{former}' is {whose} in intention '{intention.id}'; "
                                                  "remove it from 'formerly' (a former title is one no milestone "
                                                  "has now)"))
                    elif seen.get(former) == j:
                        issues.append(source.issue(loc, f"'{former}' is listed twice; list it once"))
                    elif former in seen:
                        issues.append(source.issue(loc, f"'{former}' is already a former title of "
                                                  f"'{intention.milestones[seen[former]].title}' in intention "
                                                  f"'{intention.id}'; progress recorded under it belongs to one "
                                                  "milestone: keep it on that one only"))
                    else:
                        seen[former] = j
    return issues


def _datasource_refs(parsed: Parsed, datasource_ids: set[str]) -> list[ConfigIssue]:
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            binding = metric.binding
            if binding.datasource not in datasource_ids:
                loc = ("metrics", i, "binding", "datasource")
                known = ", ".join(sorted(datasource_ids)) or "none declared"
                issues.append(source.issue(loc, f"unknown data source '{binding.datasource}'"
                                          f"{_close(binding.datasource, datasource_ids)}; known: {known}"))
    return issues


def _baselines_fit_metrics(parsed: Parsed) -> list[ConfigIssue]:
    """A stated baseline value must exist for count targets; milestones must sit between
    baseline and deadline, or the glide path makes no sense."""
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            target = metric.target
            if target is None:
                continue
            for j, point in enumerate(target.milestones):
                if not target.baseline.month < point.period <= target.deadline:
                    loc = ("metrics", i, "target", "milestones", j, "period")
                    issues.append(source.issue(loc, "a trajectory milestone must fall after the baseline and "
                                              "no later than the deadline"))
            if isinstance(metric.binding, SqlBinding) and ":" not in metric.binding.sql and metric.binding.params:
                loc = ("metrics", i, "binding", "params")
                issues.append(source.issue(loc, "params are given but the SQL uses no ':name' placeholders"))
    return issues


def _sql_bindings_read_only(parsed: Parsed, datasources: dict[str, Any]) -> list[ConfigIssue]:
    """One read-only SELECT per binding (datasources.sql_guard), parsed in its source's dialect."""
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            if isinstance(metric.binding, SqlBinding):
                # Imported here: sqlglot (a tenth of a second) is loaded only by a config with SQL bindings.
                from datasources.sql_guard import dialect_for_url, sql_problems

                ds = datasources.get(metric.binding.datasource)
                for problem in sql_problems(metric.binding.sql, dialect_for_url(ds.url) if ds else None):
                    issues.append(source.issue(("metrics", i, "binding", "sql"), problem))
    return issues


def _backend_of(url: str) -> str | None:
    """The URL's SQLAlchemy backend name, or None where it cannot be told yet (an unset variable)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from datasources.engines import DataSourceError, expand_url

    try:
        return make_url(expand_url(url)).get_backend_name()
    except (DataSourceError, ArgumentError):
        return None


def _datasources_have_period_sql(parsed: Parsed) -> list[ConfigIssue]:
    """Every source on a dialect whose period SQL is written out: any other gets ``date_trunc``,
    which SQL Server before 2022 and MySQL lack, so its metrics would fail only at query time."""
    issues = []
    for source, cfg in parsed:
        for i, ds in _indexed(source, "datasources", cfg.datasources):
            backend = _backend_of(ds.url)
            if backend is not None and backend not in PERIOD_DIALECTS:
                issues.append(source.issue(("datasources", i, "url"), (
                    f"data source '{ds.id}' is on the '{backend}' dialect, for which no period SQL is written "
                    f"(known: {', '.join(PERIOD_DIALECTS)}); its metrics would fail at query time. Use one of "
                    "those, or add a rule for it to datasources/sql_periods.py")))
    return issues


def _table_bindings_have_names(parsed: Parsed) -> list[ConfigIssue]:
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            binding = metric.binding
            if isinstance(binding, TableBinding) and binding.denominator and binding.denominator.table:
                if binding.area_column and not binding.denominator.area_column:
                    loc = ("metrics", i, "binding", "denominator")
                    issues.append(source.issue(loc, "the numerator is broken down by area, so the denominator "
                                              "table needs an 'area_column' too"))
    return issues


def _comparators_need_headline(parsed: Parsed) -> list[ConfigIssue]:
    """Comparator rows come back beside the council's own; without ``headline_area`` the
    headline would sum them in (or, for published figures, have no headline at all)."""
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            binding = metric.binding
            if binding.comparators and not binding.headline_area:
                loc = ("metrics", i, "binding", "comparators")
                issues.append(source.issue(loc, "comparators need 'headline_area' (the council's own area code), "
                                          "or the comparator rows would be mixed into the headline"))
            codes = [c for comp in binding.comparators for c in comp.codes]
            if binding.headline_area and binding.headline_area in codes:
                loc = ("metrics", i, "binding", "comparators")
                issues.append(source.issue(loc, f"the headline area '{binding.headline_area}' cannot also be a comparator"))
    return issues


def _parts_fit_their_whole(parsed: Parsed, metric_ids: set[str]) -> list[ConfigIssue]:
    """A part names a declared whole that is no part itself, and both count the same kind of thing in the
    same way: their numerators by area and period add up (summed by the product, not published figures),
    so that small numbers can be withheld over the whole and its parts together (``metrics.disclosure``)."""
    metrics = {m.id: m for _, cfg in parsed for m in cfg.metrics}
    issues = []
    for source, cfg in parsed:
        for i, metric in _indexed(source, "metrics", cfg.metrics):
            whole_id = metric.part_of
            if whole_id is None:
                continue
            loc = ("metrics", i, "part_of")
            whole = metrics.get(whole_id)
            if whole is None:
                if whole_id not in metric_ids:
                    issues.append(source.issue(loc, f"unknown metric '{whole_id}'{_close(whole_id, metric_ids)}; "
                                              "name the whole this metric is a part of"))
                continue
            problems = []
            if whole.part_of is not None:
                problems.append(f"'{whole_id}' is itself a part of '{whole.part_of}'; name the largest whole")
            for m in (metric, whole):
                if m.method == "published" or m.binding.headline_area:
                    problems.append(f"'{m.id}' reads published figures or a named headline area, so its counts "
                                    "are not summed here and cannot be withheld together")
            if metric.frequency != whole.frequency:
                problems.append(f"it is {metric.frequency} but '{whole_id}' is {whole.frequency}; a part covers "
                                "the same periods as its whole")
            if metric.binding.datasource != whole.binding.datasource:
                problems.append(f"it reads data source '{metric.binding.datasource}' but '{whole_id}' reads "
                                f"'{whole.binding.datasource}'; a part counts the same records as its whole")
            issues.extend(source.issue(loc, problem) for problem in dict.fromkeys(problems))
    return issues


def _ingest_refs(root: Path, parsed: Parsed, datasource_ids: set[str]) -> list[ConfigIssue]:
    """Ingest specs name a known data source and files that exist in the project."""
    issues = []
    project = root.parent
    seen: dict[str, str] = {}
    for source, cfg in parsed:
        for i, spec in _indexed(source, "ingest", cfg.ingest):
            if spec.datasource not in datasource_ids:
                loc = ("ingest", i, "datasource")
                issues.append(source.issue(loc, f"unknown data source '{spec.datasource}'"
                                          f"{_close(spec.datasource, datasource_ids)}"))
            if spec.id in seen:
                loc = ("ingest", i, "id")
                issues.append(source.issue(loc, f"duplicate ingest id '{spec.id}' (first at {seen[spec.id]})"))
            seen.setdefault(spec.id, "{}:{}".format(*source.origin(("ingest", i, "id"))))
            for j, pattern in enumerate(spec.files):
                if not any(project.glob(pattern)):
                    loc = ("ingest", i, "files", j)
                    issues.append(source.issue(loc, f"no file matches '{pattern}' (paths are relative to the project folder)"))
    return issues


def _ledgers_name_a_framework(parsed: Parsed, framework_ids: set[str]) -> list[ConfigIssue]:
    """A coverage ledger belongs to one declared framework, and a framework has one ledger."""
    issues = []
    seen: dict[str, str] = {}
    for source, cfg in parsed:
        if cfg.ledger is None:
            continue
        loc = ("ledger", "framework")
        name = cfg.ledger.framework
        if name not in framework_ids:
            issues.append(source.issue(loc, f"unknown framework '{name}'{_close(name, framework_ids)}; a ledger "
                                            "lists the commitments of a declared framework's document"))
        elif name in seen:
            issues.append(source.issue(loc, f"a second ledger for framework '{name}' (the first is at "
                                            f"{seen[name]}); keep one ledger per framework"))
        seen.setdefault(name, "{}:{}".format(*source.origin(loc)))
    return issues


def cross_reference_issues(root: Path, parsed: Parsed, files: dict[str, SourceFile],
                           declared: dict[str, set[str]]) -> tuple[Config, list[ConfigIssue]]:
    """Rules over the valid items; ``declared`` holds every id as written, so a reference
    to an item that is itself broken is not reported a second time."""
    datasources = {d.id: d for _, cfg in parsed for d in cfg.datasources}
    metrics = {m.id: m for _, cfg in parsed for m in cfg.metrics}
    frameworks = {cfg.framework.id: cfg.framework for _, cfg in parsed if cfg.framework}
    ingest: list[Any] = [item for _, cfg in parsed for item in cfg.ingest]
    rules: list[tuple[str, Callable[[], list[ConfigIssue]]]] = [
        ("unique ids", lambda: _unique_ids(parsed)),
        ("default framework", lambda: _one_default_framework(parsed)),
        ("intention references", lambda: _intention_refs(parsed, declared["metrics"])),
        ("milestone titles", lambda: _milestone_titles(parsed)),
        ("data source references", lambda: _datasource_refs(parsed, declared["datasources"])),
        ("targets", lambda: _baselines_fit_metrics(parsed)),
        ("sql bindings", lambda: _sql_bindings_read_only(parsed, datasources)),
        ("data source dialects", lambda: _datasources_have_period_sql(parsed)),
        ("table bindings", lambda: _table_bindings_have_names(parsed)),
        ("comparators", lambda: _comparators_need_headline(parsed)),
        ("parts of a whole", lambda: _parts_fit_their_whole(parsed, declared["metrics"])),
        ("ingest", lambda: _ingest_refs(root, parsed, set(datasources))),
        ("ledgers", lambda: _ledgers_name_a_framework(parsed, declared["framework"])),
    ]
    issues: list[ConfigIssue] = []
    for name, rule in rules:
        try:
            issues.extend(rule())
        except Exception as exc:  # a bug of ours must not hide the user's other problems
            issues.append(ConfigIssue("(outcomes)", 0, name,
                                      f"internal error while checking ({exc!r}); this is a bug, please report it"))
    ledgers: dict[str, Any] = {}
    for _, cfg in parsed:
        if cfg.ledger is not None:
            ledgers.setdefault(cfg.ledger.framework, cfg.ledger)
    config = Config(root=root, datasources=datasources, frameworks=frameworks, metrics=metrics,
                    files=files, ingest=ingest, ledgers=ledgers)
    return config, issues
