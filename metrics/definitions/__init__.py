"""Metric definitions: the pydantic models, loading YAML with line numbers, cross-file validation."""
