"""The people domain: the monthly review as people do it. People, roles and grants
(``people``, ``access``), commentary versions (``commentary``), actions (``actions``),
milestone progress (``milestones``), sign-off (``signoff``), the audit trail (``audit``) and
the review pack (``pack``). Every write checks the acting person itself and is audited in
the same transaction. Never imports dash."""
