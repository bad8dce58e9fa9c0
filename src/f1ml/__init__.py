"""The project's tools, installed into the project's environment by scripts/bootstrap.sh (`uv sync`).

What the jobs run:

    f1-load-raw              load the raw CSVs into DuckDB (f1ml.load_raw; the loader itself: f1ml.raw)
    f1-run-job               run a dbt Cloud job of jobs/dbt_cloud_jobs.yml locally (f1ml.run_job)
    f1-summary               what the last run did (f1ml.summary)
    f1-model-report          the model's results as Markdown (f1ml.model_report; f1-summary prints them as text)
    f1-clean-registry        list or remove incomplete model versions (f1ml.clean_registry)

The model's code, which the dbt Python models carry a generated copy of: f1ml.ml.

Developer tools (f1ml.dev): nothing a job runs imports them.

    f1-generate-scaled-data  the shipped data scaled k times, for the benchmark (f1ml.dev.generate_scaled_data)
    f1-app-tour              time every view of the results app and take screenshots (f1ml.dev.app_tour)
    f1-benchmark             time and memory at 1x, 10x, 100x the data, into docs/performance.md (f1ml.dev.benchmark)
    f1-stamp-models          write into each dbt Python model the shared code it calls (f1ml.dev.stamp_models)
    f1-model-selection       how the model's settings were chosen (f1ml.dev.model_selection)
    f1-model-docs            the model's figures into README.md and the model card (f1ml.dev.model_docs)
    f1-replay-season         a season race week by race week, and its track record (f1ml.dev.replay_season)

Each is also `python -m <module>`. Defaults (database file, raw schema, model registry): f1ml.settings.
"""

import re
from pathlib import Path

from f1ml.settings import PROJECT_DIR, default_database

__all__ = ["PROJECT_DIR", "default_database", "write_generated_section"]


def write_generated_section(path: Path, name: str, section: str) -> None:
    """Replace what `path` holds between `<!-- name: start -->` and `<!-- name: end -->` with `section`."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    text = path.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {start} ... {end} section")
    path.write_text(pattern.sub(lambda _: f"{start}\n{section}\n{end}", text))
