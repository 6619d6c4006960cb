"""Everything the job hands to people and tools outside the warehouse.

The BI serving copy of the marts (a separate DuckDB file and Parquet files), the dbt docs
site, and the funnel report. All of it lands in one folder: `FUNNEL_SERVING_DIR`, by
default the folder of the warehouse file.
"""
