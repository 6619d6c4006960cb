"""Dagster assets, grouped by layer."""
