"""Bulk loading of landing files into the raw event log (immutable once a load is finished)."""
