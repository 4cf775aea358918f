"""Shared parts of config written once: a ``templates:`` section and ``extends:``.

Any config file may hold a top-level ``templates:`` mapping of named partial mappings.
Any mapping elsewhere (a metric, its binding, its target, an intention) may say
``extends: NAME`` (or a list of names, applied in order) to start from those templates;
its own keys win, mappings are merged key by key and lists are replaced whole.
Templates may extend other templates.

This runs after parsing and before validation, so the models never see ``extends``. Every
key keeps where it was written: a key taken from a template is reported at the
template's file and line, a key written in the item at the item's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from metrics.definitions.parsed import ConfigIssue, Origin, PathKey, SourceFile

SECTION = "templates"
KEYWORD = "extends"


@dataclass
class _Template:
    name: str
    source: SourceFile
    body: dict[str, Any]

    @property
    def path(self) -> PathKey:
        return (SECTION, self.name)


class _Broken(Exception):
    """A reference that cannot be resolved; the item holding it is left out of validation."""

    def __init__(self, issue: ConfigIssue):
        self.issue = issue


def _paths(node: Any, rel: PathKey = ()) -> list[PathKey]:
    found = [rel]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*rel, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*rel, index)))
    return found


def deep_merge(base: Any, own: Any) -> Any:
    """``own`` over ``base``: mappings merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(own, dict):
        merged = dict(base)
        for key, value in own.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return own


#: Where :meth:`SourceFile.origin` has got to along a path: the origin so far, and whether every prefix so far
#: was written somewhere (once one is not, nothing deeper is looked up).
_Walk = tuple[Origin, bool]


def _walk(source: SourceFile, at: PathKey) -> _Walk:
    """``source.origin(at)``, with whether the walk reached ``at``, so a child's origin is one more step
    (:func:`_step`) rather than the walk again from the file's top: that was most of applying the templates,
    a path at a time for every key of every metric."""
    walk: _Walk = ((source.display, source.lines.get((), 1)), True)
    for depth in range(1, len(at) + 1):
        walk = _step(source, walk, at[:depth])
        if not walk[1]:
            break
    return walk


def _step(source: SourceFile, parent: _Walk, at: PathKey) -> _Walk:
    """The walk of :meth:`SourceFile.origin` one step further, to ``at`` (its parent's walk given)."""
    if not parent[1]:
        return parent
    if at in source.origins:
        return source.origins[at], True
    if at in source.lines:
        return (source.display, source.lines[at]), True
    return parent[0], False


class _Resolver:
    def __init__(self, templates: dict[str, _Template]):
        self.templates = templates
        self.done: dict[str, tuple[Any, dict[PathKey, Origin]]] = {}

    def template(self, name: str, used_at: tuple[SourceFile, PathKey], stack: tuple[str, ...]
                 ) -> tuple[Any, dict[PathKey, Origin]]:
        source, at = used_at
        if name in stack:
            chain = " -> ".join((*stack[stack.index(name):], name))
            raise _Broken(source.issue(at, f"templates extend each other in a cycle ({chain}); "
                                           "remove one of these 'extends'"))
        if name not in self.templates:
            match = difflib.get_close_matches(name, sorted(self.templates), n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            known = ", ".join(sorted(self.templates)) or "none declared"
            raise _Broken(source.issue(at, f"unknown template '{name}'{hint}; known: {known} "
                                           "(declare it under 'templates:' in any config file)"))
        if name not in self.done:
            tpl = self.templates[name]
            self.done[name] = self.expand(tpl.body, tpl.source, tpl.path, (*stack, name))
        return self.done[name]

    def expand(self, node: Any, source: SourceFile, at: PathKey, stack: tuple[str, ...] = (),
               walk: _Walk | None = None) -> tuple[Any, dict[PathKey, Origin]]:
        """``node`` with every ``extends`` inside it resolved, and the origin of each of its paths.
        ``walk``: ``source.origin(at)`` as :func:`_walk` gives it, when the caller has it."""
        walk = walk or _walk(source, at)
        if isinstance(node, list):
            items, origins = [], {(): walk[0]}
            for index, value in enumerate(node):
                below = (*at, index)
                item, item_origins = self.expand(value, source, below, stack, _step(source, walk, below))
                items.append(item)
                origins.update({(index, *rel): where for rel, where in item_origins.items()})
            return items, origins
        if not isinstance(node, dict):
            return node, {(): walk[0]}
        own: dict[str, Any] = {}
        own_origins: dict[PathKey, Origin] = {(): walk[0]}
        for key, value in node.items():
            if key == KEYWORD:
                continue
            below = (*at, key)
            child, child_origins = self.expand(value, source, below, stack, _step(source, walk, below))
            own[key] = child
            own_origins.update({(key, *rel): where for rel, where in child_origins.items()})
        if KEYWORD not in node:
            return own, own_origins
        names = node[KEYWORD]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise _Broken(source.issue((*at, KEYWORD), "'extends' takes a template name or a list of names"))
        base: Any = {}
        base_origins: dict[PathKey, Origin] = {}
        for index, name in enumerate(names):
            where = (*at, KEYWORD) if isinstance(node[KEYWORD], str) else (*at, KEYWORD, index)
            body, body_origins = self.template(name, (source, where), stack)
            if not isinstance(body, dict):
                raise _Broken(source.issue(where, f"template '{name}' is not a mapping of keys"))
            base = deep_merge(base, body)
            base_origins.update(body_origins)
        merged = deep_merge(base, own)
        origins = {path: own_origins.get(path) or base_origins[path] for path in _paths(merged)}
        return merged, origins


def _collect(files: dict[str, SourceFile]) -> tuple[dict[str, _Template], list[ConfigIssue]]:
    templates: dict[str, _Template] = {}
    issues: list[ConfigIssue] = []
    for source in files.values():
        if not isinstance(source.data, dict) or SECTION not in source.data:
            continue
        section = source.data.pop(SECTION)
        if not isinstance(section, dict):
            issues.append(source.issue((SECTION,), "'templates' must be a mapping of names to partial "
                                                   "mappings, e.g. 'templates: {local_return: {...}}'"))
            continue
        for name, body in section.items():
            path = (SECTION, name)
            if not isinstance(body, dict):
                issues.append(source.issue(path, f"template '{name}' must be a mapping of keys"))
            elif name in templates:
                first = templates[name].source.origin(templates[name].path)
                issues.append(source.issue(path, f"duplicate template '{name}' (first defined at "
                                                 f"{first[0]}:{first[1]}); template names must be unique"))
            else:
                templates[str(name)] = _Template(str(name), source, body)
    return templates, issues


def apply_templates(files: dict[str, SourceFile]) -> list[ConfigIssue]:
    """Resolve every ``extends`` in place; return the problems found.

    An item whose template cannot be resolved is marked skipped on its file, so the
    models do not report a cascade of missing keys for it."""
    templates, issues = _collect(files)
    resolver = _Resolver(templates)
    for source in files.values():
        if not isinstance(source.data, dict):
            continue
        for section, value in list(source.data.items()):
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                at: PathKey = (section,) if index is None else (section, index)
                try:
                    expanded, origins = resolver.expand(item, source, at)
                except _Broken as broken:
                    issues.append(broken.issue)
                    source.skipped.add(at)
                    continue
                if index is None:
                    source.data[section] = expanded
                else:
                    value[index] = expanded
                source.origins.update({(*at, *rel): where for rel, where in origins.items()})
    return issues
