"""The performance benchmark of issue 7: our pipeline against bare DuckDB on the same files."""
