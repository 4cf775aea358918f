"""Sample people, for the bundled sample data only (never for a real deployment).

``seed_sample_people(store)`` is called by the app when it runs on the sample data, so a
newcomer can sign in and try writing. It creates, once, a sample lead of the Warwickshire
falls-prevention intention (its metric is off track) who also holds the People Group lead
(many intentions with late milestones), a sample performance officer, and a sample viewer,
with the known passwords below. Existing people are left as they are."""

from __future__ import annotations

from datasources.store import Store
from review.people import Person, Role, add_person, find_person, grant, grants_of

SAMPLE_FRAMEWORK = "warwickshire"
SAMPLE_PEOPLE = (
    # username, display name, role, password, leads
    ("sample.lead", "Sam Lead (sample lead)", Role.lead, "sample-lead-pass",
     ("Head of Strategic Commissioning (Older People)", "Strategic Commissioning, People Group")),
    ("sample.officer", "Pat Officer (sample performance officer)", Role.performance_officer, "sample-officer-pass",
     ()),
    ("sample.viewer", "Val Viewer (sample viewer)", Role.viewer, "sample-viewer-pass", ()),
)


def seed_sample_people(store: Store) -> list[Person]:
    """Create the sample people if missing; returns them. Only for sample mode: it refuses to
    run once the store has an admin (a real deployment)."""
    seeded = []
    for username, display_name, role, password, leads in SAMPLE_PEOPLE:
        person = find_person(store, username)
        if person is None:
            person = add_person(store, None, username, display_name, role, password)
            for lead in leads:
                grant(store, None, username, lead=lead, framework_id=SAMPLE_FRAMEWORK)
        elif leads and not grants_of(store, person):
            for lead in leads:
                grant(store, None, username, lead=lead, framework_id=SAMPLE_FRAMEWORK)
        seeded.append(person)
    return seeded
