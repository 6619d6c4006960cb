"""The job that runs everything, its daily schedule and the landing-file sensor."""

import hashlib

import dagster as dg

from orchestration.ingest.loader import landing_files, streams
from orchestration.paths import landing_dir

funnel_job = dg.define_asset_job(
    name="funnel_job",
    selection=dg.AssetSelection.all(),
    description="Load new landing files, rebuild the journey and the marts, run every check.",
    # DuckDB has one writer per file: run the steps one after another in one process.
    executor_def=dg.in_process_executor,
)

daily_schedule = dg.ScheduleDefinition(
    name="funnel_daily",
    job=funnel_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    description="Rebuild the whole warehouse every morning at 05:00 UTC.",
)


def landing_fingerprint() -> str:
    """A digest of every landing file's path, size and modification time."""
    root = landing_dir()
    digest = hashlib.sha256()
    for stream in streams():
        for path in landing_files(root, stream):
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dg.sensor(
    job=funnel_job,
    minimum_interval_seconds=60,
    description="Runs the job when files are added to or changed in the landing directory.",
)
def landing_file_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    fingerprint = landing_fingerprint()
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="No new or changed landing files.")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
