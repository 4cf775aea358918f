"""Every component id the callbacks and tests rely on, in one place."""

URL = "url"
FRAMEWORK_SELECT = "framework-select"
FRAMEWORK_APPLY = "framework-apply"
PERIOD_SELECT = "period-select"
THEME_FILTER = "theme-filter"
LEAD_FILTER = "lead-filter"
STATUS_FILTER = "status-filter"
SORT_SELECT = "sort-select"
OVERVIEW_BODY = "overview-body"
OVERVIEW_STATUS = "overview-status"
METRIC_GRID = "metric-grid"
METRIC_DOWNLOAD_BUTTON = "metric-download-button"
METRIC_DOWNLOAD = "metric-download"

# URLs the pages link to and another layer serves.
SNAPSHOT_DOWNLOAD = "/snapshots/{snapshot_id}/download/{fmt}"  # served by reports.downloads
PEOPLE_PAGE = "/people/{framework_id}"  # dashboard.pages.person_outcomes; the Lewisham intention page links to it
