"""SYNTHETIC quarterly figures for the commitments encoded for issue 14, written as CSV.

The councils' documents state these commitments (Warwickshire's fostering framework providers, short
break beds and nights, Changing Places and sensory rooms, supported living schemes, the intermediate
and dementia care split, the £92m savings programme, the Individual Service Funds pilot providers, the
16-17 year olds in transition and the internal 1 to 1 fostering places; Lancashire's no new care home placements of
people with a learning disability and its "same overall budget"; Wigan's decommissioning) but no
published series holds them. To show them working, this seeded script writes made-up figures to
``sample_data/synthetic/commitments.csv`` in the layout of ``local_returns.csv``; ``outcomes ingest``
loads both into the ``local_returns`` table (config/ingest.yaml). **None of these numbers are real.**

It has a seed of its own, so adding it changed no figure of ``synthetic_returns.py``.

    python -m sample_data.synthetic_commitments     # rewrite the CSV (deterministic)
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sample_data.synthetic_returns import OUT, local_returns

SEED = 2014
FILE = "commitments.csv"

WARKS, LANCS, WIGAN = "E10000031", "E10000017", "E08000010"

# measure id: (area code, first quarter end YYYY-MM, last quarter end, kind, start, end, denominator), as in
# synthetic_returns.MEASURES. Money is in pounds (kind "count": the numerator holds the figure).
MEASURES: dict[str, tuple[str, str, str, str, float, float, float | None]] = {
    # Warwickshire People Group, October 2013
    "warks_fostering_framework_providers": (WARKS, "2013-12", "2018-03", "count", 12, 34, None),
    "warks_short_stay_beds_children": (WARKS, "2013-12", "2018-03", "count", 2, 4, None),
    "warks_short_stay_nights_children": (WARKS, "2013-06", "2018-03", "count", 290, 385, None),
    "warks_short_break_providers": (WARKS, "2013-12", "2018-03", "count", 6, 11, None),
    "warks_changing_places": (WARKS, "2013-12", "2018-03", "count", 0, 5, None),
    "warks_sensory_rooms": (WARKS, "2013-12", "2018-03", "count", 0, 4, None),
    "warks_supported_living_schemes_removed": (WARKS, "2014-03", "2018-03", "count", 0, 104, None),
    "warks_supported_living_people_moved": (WARKS, "2014-03", "2018-03", "count", 0, 282, None),
    "warks_intermediate_care_beds": (WARKS, "2013-12", "2018-03", "count", 310, 328, None),
    "warks_dementia_care_beds": (WARKS, "2013-12", "2018-03", "count", 540, 562, None),
    "warks_savings_delivered": (WARKS, "2014-03", "2018-03", "count", 0, 94_500_000, None),
    "warks_send_independent_school_cost": (WARKS, "2013-06", "2018-03", "count", 2_500_000, 1_900_000, None),
    # Lancashire Adult Social Care Commissioning Intentions, c. 2009
    "lancs_ld_new_care_home_placements": (LANCS, "2009-06", "2014-03", "count", 7, 0, None),
    "lancs_care_budget_spend": (LANCS, "2009-06", "2014-03", "count", 96_000_000, 95_400_000, None),
    # Wigan Adult Services 2006-9
    "wig_block_contract_cash_freed": (WIGAN, "2006-06", "2009-03", "count", 40_000, 260_000, None),
    # Warwickshire, added after the first set: last, so the shared random stream leaves the figures above unchanged
    "warks_isf_pilot_providers": (WARKS, "2013-12", "2016-03", "count", 0, 7, None),
    "warks_transition_young_people_supported": (WARKS, "2013-12", "2016-03", "count", 0, 54, None),
    "warks_internal_fostering_one_to_one_places": (WARKS, "2013-12", "2016-03", "count", 0, 9, None),
}


def write(out_dir: Path = OUT, seed: int = SEED) -> int:
    """Write the CSV; returns its number of rows."""
    rows = local_returns(np.random.default_rng(seed), MEASURES)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / FILE).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(write())
