"""Dagster asset checks beyond dbt's tests: the Great Expectations suites."""
