"""Names vulture cannot see being used, each with the reason (read by `vulture`, never imported).

`make test` fails on code nothing calls (the tests count as callers). What is here is called or read by a
library (or by Python, for enum members made from strings); anything else vulture reports should be
deleted, not added here."""

# ruff: noqa
_ = object()

# Library objects the reports set attributes on (openpyxl cells and sheets, python-docx runs and
# core properties): the library reads them when it writes the file.
_.alignment
_.bold
_.creator
_.index_string  # Dash reads app.index_string to render the page shell
_.tableStyleInfo
_.tblStyle_val  # a python-docx table's style id (reports/docx_export.py sets it by id, found once)

# aiosmtpd calls its handler's handle_DATA for each message (the test SMTP server of tests/test_cycle.py).
_.handle_DATA

# Enum members made from stored or configured strings (Verdict("worse"), Polarity("lower_is_better")).
_.WORSE  # metrics/evaluation/insight_records.py Verdict
_.LOWER_IS_BETTER  # metrics/evaluation/status.py Polarity

# Kaleido calls its own _return_kaleido_tab after each image; reports/chart_images.py overrides it.
_._return_kaleido_tab

# Flask calls its session interface's get_expiration_time when it writes the cookie (dashboard/auth.py
# IdOnlyCookie: every cookie lasts as long as a session may, with no _permanent flag in it).
_.get_expiration_time
