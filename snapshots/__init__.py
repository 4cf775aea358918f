"""Snapshots: the immutable record of a framework's evaluations at a period.

A snapshot holds everything the exports need, so a report can be rebuilt years later
without the live data or the current config: the framework, each metric's definition
(the full declaration, its hash, and its method in words), every evaluation (the
``outcomes evaluate`` shape plus the words and formatted figures shown in reports),
the headline series behind each chart, the data vintage of each source, the commentary
recorded at the time, and what changed since the snapshot before it (worked out when it is
made: ``snapshots.comparison``). Small numbers are suppressed before anything is saved.
"""

from snapshots.assemble import assemble, create
from snapshots.compare import Change, compare
from snapshots.comparison import Comparison, comparison_of, recorded, stored_comparison
from snapshots.record import Snapshot, SnapshotError, list_all, load, previous

__all__ = ["Change", "Comparison", "Snapshot", "SnapshotError", "assemble", "compare", "comparison_of", "create",
           "list_all", "load", "previous", "recorded", "stored_comparison"]
