"""From aggregated rows to a judgement: observations, the evaluation, and its insights."""
