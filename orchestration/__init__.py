"""Dagster code location and Python tooling of the revenue funnel warehouse."""
