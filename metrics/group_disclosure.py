"""Small numbers withheld over a whole and its parts together (config: ``part_of``).

Lewisham counts meta outcomes achieved over all seven meta outcomes (the whole) and over each one (its
parts), by provider and in all. Each metric alone withholds its small counts and enough of its other
areas that none can be worked out from its own total (:func:`metrics.disclosure.withheld_mask`). Across
metrics there is more to take away: the whole's count for a provider less the parts shown for that
provider, or a part's total less its providers shown, or any chain of such sums. So for each period the
group is read as one table, a part per row and an area per column, with the parts' totals, the whole's
areas and the whole's total as its margins, and audited exactly:

- What a reader knows: every figure shown; every denominator (always shown), so a proportion's count lies
  between 0 and its denominator; that a withheld count is below its metric's threshold (primary) or at
  least the threshold (withheld beside one); and, more than a reader could know, the count the whole holds
  beyond its parts (none, for parts that cover it). Assuming more than a reader knows keeps the rule safe.
- A withheld count is *worked out* when a single whole number fits all of that: the table's sums are a
  flow from the parts' totals through the cells to the areas' totals, so a count can take a value exactly
  when a flow through the table with that value exists (a feasible circulation, found by a maximum flow),
  and the values it can take are a range of whole numbers. A count is safe when a neighbouring value fits
  too.
- While a small count can be worked out, one more figure is withheld: the one shown beside most of the
  counts that are pinned (primary or not), a cell before a part's or an area's total, the whole's total
  last, the smallest first. When nothing is left to withhold, the period is withheld whole.

:func:`group_withheld` decides it for the whole table of every member at once, so every page, download,
export and command that reads a member's ``withheld`` column follows the group's decision.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from metrics.definitions.models import Metric
from metrics.disclosure import WITHHELD, small_mask

#: Larger than any count: the upper bound of a count that has no denominator to bound it.
_UNBOUNDED = 10 ** 15

BODY, MARGIN, TOTAL = 0, 1, 2


@dataclass
class _Cell:
    """One figure of the table: a member's count for one area (or its total) in one period."""

    member: int          # index into the group's members (0: the whole)
    row: int             # position in that member's frame
    value: int           # the count itself
    primary: bool        # below its metric's threshold
    low: int             # what a reader knows of it when it is withheld
    high: int
    shift: int           # the whole's count beyond its parts here (taken off to make the table's sums)
    kind: int            # BODY, MARGIN or TOTAL
    tail: int            # the table's nodes it joins (a part's row, an area's column, the totals)
    head: int


class _Table:
    """One period of a group: a circulation S -> part -> area -> T -> S whose edges are the figures."""

    def __init__(self, nodes: int):
        self.nodes = nodes
        self.cells: list[_Cell] = []
        self.fixed: list[tuple[int, int, int, int]] = []  # (tail, head, low, high): nothing withheld to find

    def bounds(self, cell: _Cell, hidden: bool) -> tuple[int, int]:
        if not hidden:
            return cell.value - cell.shift, cell.value - cell.shift
        return max(cell.low - cell.shift, 0), max(cell.high - cell.shift, 0)

    def feasible(self, hidden: np.ndarray, fixed_cell: int | None = None, at: int = 0) -> bool:
        """Does a table exist that fits every figure shown and every bound known, with cell ``fixed_cell``
        (if given) at flow ``at``?"""
        edges = list(self.fixed)
        for index, cell in enumerate(self.cells):
            low, high = (at, at) if index == fixed_cell else self.bounds(cell, bool(hidden[index]))
            edges.append((cell.tail, cell.head, low, high))
        return _circulation_exists(self.nodes, edges)

    def pinned(self, index: int, hidden: np.ndarray) -> bool:
        """Can withheld cell ``index`` be worked out: does no value next to its own fit?"""
        cell = self.cells[index]
        low, high = self.bounds(cell, True)
        own = cell.value - cell.shift
        return not any(low <= other <= high and self.feasible(hidden, index, other) for other in (own - 1, own + 1))


def _circulation_exists(nodes: int, edges: list[tuple[int, int, int, int]]) -> bool:
    """A flow on every edge within its bounds, conserved at every node (lower bounds moved to a super
    source and sink, then one maximum flow)."""
    source, sink = nodes, nodes + 1
    excess = [0] * nodes
    graph = _FlowGraph(nodes + 2)
    for tail, head, low, high in edges:
        if high < low:
            return False
        if high > low:
            graph.add(tail, head, high - low)
        excess[head] += low
        excess[tail] -= low
    needed = 0
    for node, amount in enumerate(excess):
        if amount > 0:
            graph.add(source, node, amount)
            needed += amount
        elif amount < 0:
            graph.add(node, sink, -amount)
    return graph.max_flow(source, sink) == needed


class _FlowGraph:
    """Dinic's maximum flow on a small graph (a group's table has a few dozen edges)."""

    def __init__(self, nodes: int):
        self.adjacent: list[list[int]] = [[] for _ in range(nodes)]
        self.to: list[int] = []
        self.capacity: list[int] = []

    def add(self, tail: int, head: int, capacity: int) -> None:
        self.adjacent[tail].append(len(self.to))
        self.to.append(head)
        self.capacity.append(capacity)
        self.adjacent[head].append(len(self.to))
        self.to.append(tail)
        self.capacity.append(0)

    def max_flow(self, source: int, sink: int) -> int:
        total = 0
        while True:
            level = [-1] * len(self.adjacent)
            level[source] = 0
            queue = deque([source])
            while queue:
                node = queue.popleft()
                for edge in self.adjacent[node]:
                    if self.capacity[edge] > 0 and level[self.to[edge]] < 0:
                        level[self.to[edge]] = level[node] + 1
                        queue.append(self.to[edge])
            if level[sink] < 0:
                return total
            cursor = [0] * len(self.adjacent)
            while True:
                pushed = self._push(source, sink, _UNBOUNDED * 4, level, cursor)
                if not pushed:
                    break
                total += pushed

    def _push(self, node: int, sink: int, limit: int, level: list[int], cursor: list[int]) -> int:
        if node == sink:
            return limit
        edges = self.adjacent[node]
        while cursor[node] < len(edges):
            edge = edges[cursor[node]]
            head = self.to[edge]
            if self.capacity[edge] > 0 and level[head] == level[node] + 1:
                pushed = self._push(head, sink, min(limit, self.capacity[edge]), level, cursor)
                if pushed:
                    self.capacity[edge] -= pushed
                    self.capacity[edge ^ 1] += pushed
                    return pushed
            cursor[node] += 1
        return 0


def _known(metric: Metric, value: int, denominator: float) -> tuple[int, int]:
    """What a reader knows of a withheld count: below the threshold, or at least it; never above a
    proportion's denominator."""
    threshold = int(math.ceil(metric.suppress_below))
    top = int(denominator) if metric.method == "proportion" and not math.isnan(denominator) else _UNBOUNDED
    if value < metric.suppress_below:
        return 0, min(threshold - 1, top)
    return threshold, max(top, threshold)


def _table(members: Sequence[tuple[Metric, pd.DataFrame]], rows: list[dict[str, int]], total_area: str) -> _Table:
    """The group's table for one period. ``rows``: per member, its frame positions by area."""
    parts = len(members) - 1
    areas = sorted({a for by_area in rows for a in by_area if a != total_area})
    column = {a: 1 + parts + j for j, a in enumerate(areas)}
    start, end = 0, 1 + parts + len(areas)
    table = _Table(end + 1)
    numerators = [frame["numerator"].to_numpy(dtype=float) for _, frame in members]
    denominators = [frame["denominator"].to_numpy(dtype=float) for _, frame in members]

    def count(member: int, area: str) -> float:
        """A member's count for an area: 0 when it has no row there, NaN when the count is unknown."""
        position = rows[member].get(area)
        return 0.0 if position is None else float(numerators[member][position])

    def add(member: int, area: str, kind: int, tail: int, head: int, shift: int = 0) -> None:
        position = rows[member][area]
        value = int(round(numerators[member][position]))
        low, high = _known(members[member][0], value, denominators[member][position])
        table.cells.append(_Cell(member, position, value, value < members[member][0].suppress_below, low, high,
                                 shift, kind, tail, head))

    # Each part: its row, with its count in each area (none there: 0, known) and its total.
    for part in range(1, parts + 1):
        for area in areas:
            value = count(part, area)
            if area in rows[part] and not math.isnan(value):
                add(part, area, BODY, part, column[area])
            else:
                table.fixed.append((part, column[area], 0, 0))
        if not math.isnan(count(part, total_area)) and total_area in rows[part]:
            add(part, total_area, MARGIN, start, part)
        else:
            table.fixed.append((start, part, 0, _UNBOUNDED))
    # The whole: its count in each area is that column's total (less what it holds beyond the parts).
    for area in areas:
        in_parts = sum(0.0 if math.isnan(count(p, area)) else count(p, area) for p in range(1, parts + 1))
        whole = count(0, area)
        if area in rows[0] and not math.isnan(whole):
            add(0, area, MARGIN, column[area], end, shift=int(round(whole - in_parts)))
        elif area in rows[0] or not rows[0]:
            table.fixed.append((column[area], end, 0, _UNBOUNDED))  # the whole's count here is not known
        else:
            table.fixed.append((column[area], end, int(in_parts), int(in_parts)))
    part_totals = [count(p, total_area) for p in range(1, parts + 1)]
    whole_total = count(0, total_area)
    if total_area in rows[0] and not math.isnan(whole_total) and not any(math.isnan(t) for t in part_totals):
        add(0, total_area, TOTAL, end, start, shift=int(round(whole_total - sum(part_totals))))
    else:
        table.fixed.append((end, start, 0, _UNBOUNDED))
    return table


def _protect(table: _Table, hidden: np.ndarray) -> None:
    """Withhold more of the table (in ``hidden``) until no small count can be worked out."""
    while True:
        audited = [i for i, c in enumerate(table.cells) if hidden[i] and c.primary and c.high - c.low >= 1]
        small = [i for i in audited if table.pinned(i, hidden)]
        if not small:
            return
        others = [i for i, c in enumerate(table.cells) if hidden[i] and not c.primary and table.pinned(i, hidden)]
        pinned = [table.cells[i] for i in small + others]
        shown = [i for i in range(len(table.cells)) if not hidden[i]]
        if not shown:
            return  # everything withheld already (a count pinned by its own bounds alone)

        def beside(index: int) -> int:
            cell = table.cells[index]
            return sum(1 for p in pinned if {p.tail, p.head} & {cell.tail, cell.head})

        chosen = min(shown, key=lambda i: (-beside(i), table.cells[i].kind, table.cells[i].value))
        hidden[chosen] = True


def group_withheld(members: Sequence[tuple[Metric, pd.DataFrame]], total_area: str) -> list[np.ndarray]:
    """Per member (the whole first, then its parts; each with its whole observation table): which rows are
    withheld, its own rule's rows (the frame's ``withheld`` column) and more, so that no small count of any
    member can be worked out from the figures of all of them (the module's rule). ``total_area`` names each
    member's total rows (the sum of its areas)."""
    masks = [(frame[WITHHELD].to_numpy(dtype=bool) if WITHHELD in frame else small_mask(frame, metric).to_numpy())
             .copy() for metric, frame in members]
    if not any(mask.any() for mask in masks):
        return masks
    keys = [frame["period_start"].to_numpy() for _, frame in members]
    areas = [frame["area"].astype(str).to_numpy() for _, frame in members]
    by_period: dict[object, list[dict[str, int]]] = {}
    for member, (period_keys, member_areas) in enumerate(zip(keys, areas)):
        for position, (period, area) in enumerate(zip(period_keys, member_areas)):
            by_period.setdefault(period, [{} for _ in members])[member][area] = position
    for period, rows in by_period.items():
        if not any(masks[m][p] for m, by_area in enumerate(rows) for p in by_area.values()):
            continue  # nothing withheld in this period: nothing to work out
        table = _table(members, rows, total_area)
        hidden = np.array([masks[c.member][c.row] for c in table.cells], dtype=bool)
        _protect(table, hidden)
        for cell, withheld in zip(table.cells, hidden):
            masks[cell.member][cell.row] |= bool(withheld)
    return masks
