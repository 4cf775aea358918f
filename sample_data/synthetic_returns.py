"""SYNTHETIC local monitoring returns and person-level outcome records, written as CSV.

Councils track many commissioning targets (extra care units commissioned, Shared Lives
placements, people on direct payments) in local returns that are not published. To
show those targets working, this seeded script writes made-up quarterly figures to
``sample_data/synthetic/local_returns.csv`` and made-up person-level learning
disability outcome reviews for Lewisham to ``sample_data/synthetic/lewisham_ld_outcomes.csv``.
Both are loaded by ``outcomes ingest`` like any published file, and every metric bound
to them is labelled synthetic. **None of these numbers are real.**

    python -m sample_data.synthetic_returns          # rewrite both CSVs (deterministic)
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "synthetic"
SEED = 2013

# measure id: (area code, first quarter end YYYY-MM, last quarter end, kind, start, end, denominator)
# kind "count": numerator holds the figure; "share": numerator/denominator (a percentage once computed);
# "mean": numerator is a total (hours), denominator the number of packages.
MEASURES: dict[str, tuple[str, str, str, str, float, float, float | None]] = {
    # Warwickshire People Group, October 2013 (quarters to March 2018)
    "warks_extra_care_units": ("E10000031", "2013-12", "2018-03", "count", 420, 1380, None),
    "warks_out_of_county_16plus": ("E10000031", "2013-12", "2018-03", "count", 150, 72, None),
    "warks_fostering_framework_share": ("E10000031", "2013-12", "2018-03", "share", 50, 79, 400),
    "warks_supported_living_rate_saving": ("E10000031", "2014-03", "2018-03", "share", 0.5, 5.4, 9_800_000),
    "warks_isf_saving": ("E10000031", "2014-03", "2018-03", "share", 0.2, 2.3, 3_100_000),
    "warks_waking_nights_at": ("E10000031", "2013-12", "2018-03", "share", 2, 19, 640),
    "warks_shared_lives_placements": ("E10000031", "2013-12", "2018-03", "count", 2, 16, None),
    "warks_shared_lives_carers": ("E10000031", "2013-12", "2018-03", "count", 1, 9, None),
    "warks_short_stay_beds": ("E10000031", "2013-12", "2018-03", "count", 12, 21, None),
    "warks_specialist_housing_people": ("E10000031", "2013-12", "2018-03", "count", 0, 49, None),
    "warks_new_support_providers": ("E10000031", "2014-03", "2018-03", "count", 0, 6, None),
    "warks_winterbourne_repatriations": ("E10000031", "2013-12", "2016-03", "count", 0, 3, None),
    "warks_specialist_care_beds": ("E10000031", "2013-12", "2018-03", "count", 1240, 1330, None),
    "warks_send_independent_school": ("E10000031", "2013-12", "2018-03", "count", 230, 176, None),
    # Cornwall Supportive Lifestyles, July 2017 (quarters to March 2021)
    "corn_direct_payments": ("E06000052", "2017-03", "2021-03", "count", 1600, 1840, None),
    "corn_specialist_hospital_admissions": ("E06000052", "2017-06", "2021-03", "count", 9, 5, None),
    "corn_isf_arrangements": ("E06000052", "2017-06", "2021-03", "count", 0, 62, None),
    # Lewisham domiciliary care, July 2013 (quarters to March 2016)
    "lew_homecare_hours_per_package": ("E09000023", "2013-06", "2016-03", "mean", 11.8, 10.6, 1450),
    # Wigan Adult Services 2006-9 (quarters to March 2009): one local indicator per coded outcome
    "wig_ih1_reablement_independent": ("E08000010", "2006-06", "2009-03", "share", 48, 61, 400),
    "wig_ih2_exercise_referrals": ("E08000010", "2006-06", "2009-03", "count", 140, 230, None),
    "wig_ih3_ltc_community_matron": ("E08000010", "2006-06", "2009-03", "count", 310, 520, None),
    "wig_ih4_unplanned_bed_days": ("E08000010", "2006-06", "2009-03", "count", 21400, 19100, None),
    "wig_ih5_emergency_admissions_65": ("E08000010", "2006-06", "2009-03", "count", 2480, 2390, None),
    "wig_ih6_substance_treatment": ("E08000010", "2006-06", "2009-03", "count", 820, 1010, None),
    "wig_ih7_intermediate_care": ("E08000010", "2006-06", "2009-03", "count", 260, 345, None),
    "wig_ih8_delayed_transfers": ("E08000010", "2006-06", "2009-03", "count", 34, 19, None),
    "wig_ih9_mh_seen_28_days": ("E08000010", "2006-06", "2009-03", "share", 71, 86, 300),
    "wig_iql1_safeguarding_trained": ("E08000010", "2006-06", "2009-03", "share", 35, 78, 1200),
    "wig_iql2_transition_plans": ("E08000010", "2006-06", "2009-03", "share", 62, 88, 60),
    "wig_iql3_helped_at_home": ("E08000010", "2006-06", "2009-03", "count", 3900, 4350, None),
    "wig_iql4_equipment_7_days": ("E08000010", "2006-06", "2009-03", "share", 81, 92, 900),
    "wig_iql5_ld_self_advocacy": ("E08000010", "2006-06", "2009-03", "count", 40, 95, None),
    "wig_iql6_carers_assessed": ("E08000010", "2006-06", "2009-03", "share", 14, 23, 1500),
    "wig_mpc1_users_on_boards": ("E08000010", "2006-06", "2009-03", "count", 18, 42, None),
    "wig_mpc2_volunteers_recruited": ("E08000010", "2006-06", "2009-03", "count", 25, 58, None),
    "wig_mpc3_extracare_residents": ("E08000010", "2006-06", "2009-03", "count", 180, 310, None),
    "wig_mpc4_carers_direct_payments": ("E08000010", "2006-06", "2009-03", "count", 12, 61, None),
    "wig_ecc1_direct_payments": ("E08000010", "2006-06", "2009-03", "count", 190, 410, None),
    "wig_ecc2_user_led_services": ("E08000010", "2006-06", "2009-03", "count", 2, 6, None),
    "wig_ecc3_care_home_admissions": ("E08000010", "2006-06", "2009-03", "count", 96, 81, None),
    "wig_ecc4_care_home_choice": ("E08000010", "2006-06", "2009-03", "share", 88, 95, 90),
    "wig_ecc5_annual_reviews": ("E08000010", "2006-06", "2009-03", "share", 64, 82, 4200),
    "wig_ecc6_statements_sent": ("E08000010", "2006-06", "2009-03", "share", 83, 97, 1100),
    "wig_fdh1_bme_assessments": ("E08000010", "2006-06", "2009-03", "share", 1.1, 1.9, 2000),
    "wig_fdh2_multiple_needs_plans": ("E08000010", "2006-06", "2009-03", "share", 40, 70, 200),
    "wig_fdh3_ethnicity_recorded": ("E08000010", "2006-06", "2009-03", "share", 87, 98, 4200),
    "wig_fdh4_interpreting_met": ("E08000010", "2006-06", "2009-03", "share", 90, 99, 60),
    "wig_fdh5_safeguarding_concluded": ("E08000010", "2006-06", "2009-03", "share", 58, 80, 120),
    "wig_ew1_vocational_places": ("E08000010", "2006-06", "2009-03", "count", 60, 120, None),
    "wig_ew2_ld_in_work": ("E08000010", "2006-06", "2009-03", "share", 4, 9, 700),
    "wig_ew3_adapted_homes": ("E08000010", "2006-06", "2009-03", "count", 95, 150, None),
    "wig_ew4_regeneration_schemes": ("E08000010", "2006-06", "2009-03", "count", 1, 5, None),
    "wig_pd1_advocacy_on_admission": ("E08000010", "2006-06", "2009-03", "share", 30, 66, 90),
    "wig_pd2_low_level_support": ("E08000010", "2006-06", "2009-03", "count", 1100, 1600, None),
    "wig_pd3_preferred_place_death": ("E08000010", "2006-06", "2009-03", "share", 38, 57, 250),
}

META_OUTCOMES = ["employment", "housing", "health", "relationships", "community_participation",
                 "learning_skills", "personal_development"]
PROVIDERS = {"P01": 0.72, "P02": 0.61, "P03": 0.55, "P04": 0.68, "P05": 0.48, "P06": 0.64}


def _quarter_ends(first: str, last: str) -> list[date]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(date(y, m, 1))
        m += 3
        if m > 12:
            y, m = y + 1, m - 12
    return out


def local_returns(rng: np.random.Generator,
                  measures: dict[str, tuple[str, str, str, str, float, float, float | None]] | None = None,
                  ) -> list[dict[str, object]]:
    """Quarterly rows of each measure (``MEASURES`` unless given), a smooth path from start to end with noise."""
    rows: list[dict[str, object]] = []
    for measure, (area, first, last, kind, start, end, den) in (MEASURES if measures is None else measures).items():
        quarters = _quarter_ends(first, last)
        n = len(quarters)
        for i, q in enumerate(quarters):
            level = start + (end - start) * (i / (n - 1)) ** 0.9 if n > 1 else end
            noise = rng.normal(0, 0.02 * max(abs(end - start), 1e-9))
            value = level + (noise if 0 < i < n - 1 else 0)
            if kind == "count":
                numerator, denominator = round(value), ""
            elif kind == "share":
                d = round(den * (1 + rng.normal(0, 0.03))) if den else 100
                numerator, denominator = round(d * value / 100, 1 if den and den > 1e5 else 0), d
            else:  # mean
                d = round(den * (1 + rng.normal(0, 0.02)))
                numerator, denominator = round(value * d), d
            rows.append({"measure": measure, "quarter_start": date(q.year, q.month, 1).replace(
                month=q.month - 2 if q.month > 2 else q.month).isoformat(), "area_code": area,
                "numerator": numerator, "denominator": denominator, "synthetic": "true"})
    return rows


def ld_outcomes(rng: np.random.Generator) -> list[dict[str, object]]:
    """Six-monthly reviews of the meta outcomes set for each person (1 to 4 set; the
    framework counts people with two or three)."""
    rows: list[dict[str, object]] = []
    reviews = [date(2013, 9, 1), date(2014, 3, 1), date(2014, 9, 1), date(2015, 3, 1)]
    person = 0
    for provider, skill in PROVIDERS.items():
        for _ in range(int(rng.integers(28, 46))):
            person += 1
            n_set = int(rng.choice([1, 2, 3, 4], p=[0.08, 0.52, 0.34, 0.06]))
            chosen = rng.choice(META_OUTCOMES, size=n_set, replace=False,
                                p=np.array([3, 2, 2, 2, 3, 2, 1]) / 15)
            for r, review in enumerate(reviews):
                for outcome in chosen:
                    chance = min(0.95, skill - 0.12 + 0.06 * r + (0.05 if outcome == "employment" else 0))
                    rows.append({"person_id": f"LD{person:04d}", "provider": provider,
                                 "review_date": review.isoformat(), "meta_outcome": str(outcome),
                                 "outcomes_set": n_set, "achieved": int(rng.random() < chance),
                                 "synthetic": "true"})
    return rows


def write(out_dir: Path = OUT, seed: int = SEED) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, rows in (("local_returns.csv", local_returns(rng)), ("lewisham_ld_outcomes.csv", ld_outcomes(rng))):
        with (out_dir / name).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        counts[name] = len(rows)
    return counts


if __name__ == "__main__":
    print(write())
