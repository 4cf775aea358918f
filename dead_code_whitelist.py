"""Names vulture cannot see being used, each with the reason (read by `vulture`, never imported).

`make test` fails on code nothing calls. What is here is called by a library, read through
``dataclasses.asdict``, called only by the tests as a reference, or written in config and kept
on purpose; anything else vulture reports should be deleted, not added here."""

# ruff: noqa
_ = object()

# Library objects the reports set attributes on (openpyxl cells and sheets, python-docx runs and
# core properties): the library reads them when it writes the file.
_.alignment
_.bold
_.creator
_.freeze_panes
_.index_string  # Dash reads app.index_string to render the page shell
_.number_format
_.subject
_.tableStyleInfo

# Dataclass fields serialised with dataclasses.asdict into evaluations and snapshots.
_.mean_moving_range  # metrics/statistics/spc.py SpcResult
_.segment_starts  # metrics/statistics/spc.py SpcResult
_.statistic  # metrics/statistics/trend.py TrendResult

# The Python reference the SQL period and SQL snapshot tests compare the database against.
_.period_start_of  # metrics/periods.py, tests/test_periods.py
_.render_sql  # metrics/compile.py, tests/test_compile.py

# Config fields written in the frameworks' YAML and read nowhere yet (issue 13 "Dead code"): kept so
# existing config stays valid while the config files are being rewritten; use them or remove both.
_.breakdowns  # Metric.breakdowns
_.area_code  # Framework.area_code

# The review domain's write path (review/commentary.py), called by the review pages being built.
_.add_commentary

# Enum members made from stored or configured strings (Verdict("worse"), Polarity("lower_is_better")).
_.WORSE  # metrics/evaluation/insights.py Verdict
_.LOWER_IS_BETTER  # metrics/evaluation/status.py Polarity

# Just written by other rooms with no caller yet (issue 13, in progress): use them or delete them
# and their line here.
_.line_of  # metrics/definitions/parsed.py SourceFile.line_of
_.framework_model  # snapshots/record.py Snapshot.framework_model
