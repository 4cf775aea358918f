"""``outcomes check``'s look at the store: milestone progress people recorded that no milestone in config reads.

Progress is kept by (framework, intention, milestone title); retitling a milestone in config without
``formerly`` leaves its recorded updates in the store, read by nothing. The check names each such title with
the line of its intention and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used, so `outcomes --help` loads none of them
    from metrics.definitions.parsed import Config


def unlinked_progress_warnings(loaded: Config) -> list[str]:
    """One line per stored title no current or former milestone title of its intention matches, as
    file:line: field: warning: message, as the provenance warnings are; or one line saying why the store
    could not be read."""
    import os

    from datasources.store import STORE_ENV, Store, StoreError, default_url
    from review.milestones import unlinked_progress

    if not os.environ.get(STORE_ENV) and not Path(default_url().split(":///", 1)[1]).exists():
        return []  # no store yet, so nothing recorded: a check never creates one (opening a store makes it)
    store = Store.from_environment()  # the store every other command uses (OUTCOMES_STORE_URL)
    files = {source.data["framework"].get("id"): source for source in loaded.files.values()
             if isinstance(source.data, dict) and isinstance(source.data.get("framework"), dict)}
    lines: list[str] = []
    try:
        for framework in loaded.frameworks.values():
            source = files[framework.id]
            index = {intention.id: i for i, intention in enumerate(framework.intentions)}
            for found in unlinked_progress(store, framework):
                kept = (f"warning: {found.updates} recorded milestone update(s) under '{found.stored_title}' "
                        f"(framework {framework.id}, intention {found.intention_id})")
                if found.intention_exists:
                    issue = source.issue(("framework", "intentions", index[found.intention_id], "milestones"),
                                         f"{kept} match no current or former milestone title, so nothing shows "
                                         f"them; if the milestone was retitled, add `formerly: "
                                         f"[\"{found.stored_title}\"]` to the milestone it was renamed to in "
                                         f"{source.display}")
                else:
                    issue = source.issue(("framework", "intentions"),
                                         f"{kept}: there is no intention '{found.intention_id}' any more, so "
                                         "nothing shows them; they stay in the store (if the intention was "
                                         f"dropped on purpose, nothing to do)")
                lines.append(str(issue))
    except StoreError as exc:
        lines.append(f"warning: recorded milestone progress not checked: {exc}")
    finally:
        store.dispose()
    return lines
