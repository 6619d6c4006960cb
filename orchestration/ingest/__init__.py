"""Bulk loading of landing files into the immutable raw event log."""
