"""Read ``config/`` into validated models, reporting every problem at once.

Each YAML file is parsed with ruamel.yaml, which remembers where every key and list
item sits, so a problem anywhere can be reported as ``file:line: field: message``.
Parsing, model validation and cross-reference rules are separate steps; a problem in
one file never stops the others from being checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from metrics.definitions import parse_cache
from metrics.definitions.models import RETIRED_METRIC_KEYS, ConfigFile
from metrics.definitions.parsed import Config, ConfigError, ConfigIssue, PathKey, SourceFile
from metrics.definitions.templates import apply_templates
from metrics.definitions.validation import cross_reference_issues

#: The project's own config/, here (not in metrics.service) so that `outcomes check` need not load pandas.
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "config"


def _plain(node: Any, path: PathKey, lines: dict[PathKey, int]) -> Any:
    """CommentedMap/Seq -> dict/list, recording the 1-based line of every path."""
    if isinstance(node, CommentedMap):
        result = {}
        for key, value in node.items():
            key_line, _ = node.lc.key(key)
            lines[path + (key,)] = key_line + 1
            result[key] = _plain(value, path + (key,), lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            item_line, _ = node.lc.item(index)
            lines[path + (index,)] = item_line + 1
            items.append(_plain(value, path + (index,), lines))
        return items
    return node


def _parse(text: str) -> tuple[Any, dict[PathKey, int]]:
    """Plain data and the line of every path; the slow step, kept by :mod:`parse_cache`."""
    raw = YAML(typ="rt").load(text)
    lines: dict[PathKey, int] = {(): 1}
    return (_plain(raw, (), lines) if raw is not None else {}), lines


def parse_file(path: Path, root: Path) -> tuple[SourceFile | None, list[ConfigIssue]]:
    try:
        display = str(path.relative_to(root.parent))
    except ValueError:
        display = str(path)
    try:
        data, lines = parse_cache.parsed(path.read_text(encoding="utf-8"), _parse)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [ConfigIssue(display, line, "(yaml)", f"{exc.problem or exc.context}; fix the YAML syntax")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigIssue(display, 1, "(file)", f"cannot read: {exc}")]
    if not isinstance(data, dict):
        return None, [ConfigIssue(display, 1, "(file)", "a config file must be a mapping with sections "
                                  "such as 'datasources', 'framework' or 'metrics'")]
    return SourceFile(path, display, data, lines), []


def _without_union_tag(loc: PathKey) -> PathKey:
    """Drop the tag pydantic inserts for the binding union: ('binding', 'table', 'table') is
    the binding's 'table' key, inside the 'table' kind of binding."""
    if "binding" in loc:
        at = loc.index("binding") + 1
        if at < len(loc) and loc[at] in ("table", "sql", "published"):
            return loc[:at] + loc[at + 1:]
    return loc


def _pydantic_issues(source: SourceFile, error: ValidationError, prefix: PathKey = ()) -> list[ConfigIssue]:
    issues = []
    for err in error.errors(include_url=False):
        loc = prefix + _without_union_tag(tuple(err["loc"]))
        message = err["msg"]
        if err["type"] == "extra_forbidden" and loc[-1] in RETIRED_METRIC_KEYS:
            message = RETIRED_METRIC_KEYS[loc[-1]]
        elif err["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'; remove it or check its spelling"
        elif err["type"] == "missing":
            message = f"'{loc[-1]}' is required"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        elif err["type"] in ("literal_error", "enum"):
            message = f"{message} (got {err.get('input')!r})"
        elif err["type"] == "union_tag_invalid":
            message = "binding 'type' must be 'table', 'sql' or 'published'"
        issues.append(source.issue(loc, message))
    return issues


def _section_types() -> dict[str, Any]:
    """ConfigFile's sections with their annotations resolved (the models module uses
    postponed annotations, so model_fields may still hold forward references)."""
    import metrics.definitions.models as definitions

    return get_type_hints(ConfigFile, globalns=vars(definitions))


def _validate_sections(source: SourceFile) -> tuple[ConfigFile, list[ConfigIssue]]:
    """Validate each section item on its own, so one broken metric does not hide the
    rest of the file (and references to the others still resolve)."""
    issues: list[ConfigIssue] = []
    valid: dict[str, Any] = {}
    hints = _section_types()
    for key, value in source.data.items():
        if key not in hints:
            known = ", ".join(ConfigFile.model_fields)
            issues.append(source.issue((key,), f"unknown section '{key}'; a config file may hold: {known}, "
                                               "templates"))
            continue
        annotation = hints[key]
        if get_origin(annotation) is tuple:
            if not isinstance(value, list):
                issues.append(source.issue((key,), f"'{key}' must be a list of items, each starting with '- '"))
                continue
            adapter = TypeAdapter(get_args(annotation)[0])
            items, positions = [], []
            for index, item in enumerate(value):
                if (key, index) in source.skipped:
                    continue
                try:
                    items.append(adapter.validate_python(item))
                    positions.append(index)
                except ValidationError as exc:
                    issues.extend(_pydantic_issues(source, exc, prefix=(key, index)))
            valid[key] = tuple(items)
            source.positions[key] = positions
        elif (key,) in source.skipped:
            continue
        else:
            try:
                valid[key] = TypeAdapter(annotation).validate_python(value)
            except ValidationError as exc:
                issues.extend(_pydantic_issues(source, exc, prefix=(key,)))
    return ConfigFile.model_construct(**valid), issues


def declared_ids(files: dict[str, SourceFile]) -> dict[str, set[str]]:
    """Ids as written, valid or not: a reference to a broken item is not a second problem."""
    found: dict[str, set[str]] = {"datasources": set(), "metrics": set(), "framework": set()}
    for source in files.values():
        for kind in ("datasources", "metrics"):
            items = source.data.get(kind)
            if isinstance(items, list):
                found[kind].update(str(i["id"]) for i in items if isinstance(i, dict) and "id" in i)
        framework = source.data.get("framework")
        if isinstance(framework, dict):
            found["framework"].add(str(framework.get("id", "")))
    return found


def load_config(config_dir: str | Path) -> Config:
    """Load and validate everything under ``config_dir``; raise ConfigError listing all problems."""
    root = Path(config_dir).resolve()
    if not root.is_dir():
        raise ConfigError([ConfigIssue(str(config_dir), 1, "(dir)", "config directory not found; "
                                       "pass --config DIR pointing at the folder with the YAML files")])
    issues: list[ConfigIssue] = []
    parsed: list[tuple[SourceFile, ConfigFile]] = []
    files: dict[str, SourceFile] = {}
    paths = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not paths:
        issues.append(ConfigIssue(str(root), 1, "(dir)", "no .yaml files found"))
    for path in paths:
        source, parse_issues = parse_file(path, root)
        issues.extend(parse_issues)
        if source is not None:
            files[source.display] = source
    # Templates are shared by all files, so every file is parsed before any is merged.
    issues.extend(apply_templates(files))
    for source in files.values():
        config_file, section_issues = _validate_sections(source)
        issues.extend(section_issues)
        parsed.append((source, config_file))
    declared = declared_ids(files)
    config, ref_issues = cross_reference_issues(root, parsed, files, declared)
    issues.extend(ref_issues)
    if paths and not declared["framework"] and not issues:
        issues.append(ConfigIssue(str(root), 1, "framework", "no framework declared; add a file with a "
                                  "'framework:' section"))
    if issues:
        raise ConfigError(sorted(set(issues), key=lambda i: (i.file, i.line, i.field)))
    return config
