"""A seeded framework of many metrics on the sample database, for the cold/warm overview benchmark.

Written to a folder as ordinary config (a data source, a framework, its metrics), so it goes through
the same loader and validation as a council's own. The metrics are variations of the sample tables'
measures (causes, ages, admission methods, settings), each with a target, so every one is queried and
judged; ``count`` sets how many.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

CAUSES = ["falls", "cardiovascular", "respiratory", "dementia", "other"]
METHODS = ["emergency", "elective"]
AGES = [18, 45, 65, 75, 85]
SETTINGS = ["nursing", "residential"]


def _admissions(index: int, cause: str, method: str, age: int, rng: random.Random) -> dict:
    return {
        "id": f"bench_{index:03d}", "title": f"{method.title()} admissions for {cause}, aged {age}+",
        "definition": "Benchmark metric (synthetic sample data).", "unit": "rate_per_100k",
        "polarity": "lower_is_better", "frequency": rng.choice(["monthly", "quarterly"]), "method": "crude_rate",
        "multiplier": 100000, "source": {"name": "Sample hospital admissions (synthetic)", "synthetic": True},
        "binding": {
            "type": "table", "datasource": "sample", "table": "hospital_admissions",
            "date_column": "admission_date", "area_column": "area_code",
            "filters": [{"column": "admission_method", "value": method}, {"column": "cause", "value": cause},
                        {"column": "age", "op": "ge", "value": age}],
            "numerator": {"count": "rows"},
            "denominator": {"table": "population", "date_column": "year_start", "area_column": "area_code",
                            "period_join": "financial_year", "sum": "persons"},
        },
        "target": {"kind": "relative_change", "value": -rng.choice([5, 10, 20]), "deadline": "2025-03",
                   "baseline": {"period": "2016-03"}},
    }


def _care_home(index: int, setting: str, age: int, rng: random.Random) -> dict:
    return {
        "id": f"bench_{index:03d}", "title": f"Permanent {setting} care home admissions, aged {age}+",
        "definition": "Benchmark metric (synthetic sample data).", "unit": "count",
        "polarity": "lower_is_better", "frequency": "quarterly", "method": "count",
        "source": {"name": "Sample care home admissions (synthetic)", "synthetic": True},
        "binding": {"type": "table", "datasource": "sample", "table": "care_home_admissions",
                    "date_column": "admission_date", "area_column": "area_code",
                    "filters": [{"column": "setting", "value": setting}, {"column": "permanent", "value": 1},
                                {"column": "age", "op": "ge", "value": age}],
                    "numerator": {"count": "rows"}},
        "target": {"kind": "relative_change", "value": -rng.choice([5, 10]), "deadline": "2025-03",
                   "baseline": {"period": "2016-03"}},
    }


def write_framework(folder: Path, sample_db: Path, count: int = 200, seed: int = 42) -> Path:
    """Config for a framework ``bench`` of ``count`` metrics in ``folder``; returns the folder."""
    rng = random.Random(seed)
    variants = [("a", c, m, a) for c, m, a in itertools.product(CAUSES, METHODS, AGES)
                if m == "emergency" or c in ("cardiovascular", "other")]  # the sample's elective causes
    variants += [("c", s, a) for s, a in itertools.product(SETTINGS, AGES)]
    metrics = []
    for index in range(count):
        variant = variants[index % len(variants)]
        metric = (_admissions(index, *variant[1:], rng) if variant[0] == "a" else _care_home(index, *variant[1:], rng))
        if index >= len(variants):  # repeats differ by a target, as councils' near-duplicate measures do
            metric["target"]["value"] = -rng.choice([1, 2, 3, 15])
        metrics.append(metric)
    intentions = [{"id": f"bench-{i:02d}", "title": f"Benchmark intention {i}", "outcomes": ["B1"],
                   "metrics": [m["id"] for m in metrics[i::20]]} for i in range(min(20, count))]
    framework = {"id": "bench", "title": f"Benchmark framework ({count} metrics)", "organisation": "Benchmark",
                 "outcomes": [{"code": "B", "title": "Benchmark", "sub_outcomes": [{"code": "B1", "title": "All"}]}],
                 "intentions": intentions}
    folder.mkdir(parents=True, exist_ok=True)
    # JSON is YAML: the loader reads it like any council's file, with line numbers.
    (folder / "datasources.yaml").write_text(json.dumps({"datasources": [
        {"id": "sample", "title": "Sample database", "url": f"sqlite:///{sample_db}", "row_cap": 200000}]}, indent=1))
    (folder / "framework.yaml").write_text(json.dumps({"framework": framework, "metrics": metrics}, indent=1))
    return folder
