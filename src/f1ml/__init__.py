"""The project's tools, installed into the project's environment by scripts/bootstrap.sh (`uv sync`):

    f1-load-raw              load the raw CSVs into DuckDB (f1ml.load_raw; the loader itself: f1ml.raw)
    f1-run-job               run a dbt Cloud job of jobs/dbt_cloud_jobs.yml locally (f1ml.run_job)
    f1-summary               what the last run did (f1ml.summary)
    f1-model-report          the model's results as Markdown, into README.md and the model card (f1ml.model_report)
    f1-model-selection       how the model's settings were chosen (f1ml.model_selection)
    f1-clean-registry        list or remove incomplete model versions (f1ml.clean_registry)
    f1-generate-scaled-data  the shipped data scaled k times, for the benchmark (f1ml.generate_scaled_data)
    f1-app-tour              time every view of the results app and take screenshots (f1ml.app_tour)
    f1-benchmark             time and memory at 1x, 10x, 100x the data, into docs/performance.md (f1ml.benchmark)

Each is also `python -m f1ml.<module>`.
"""

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

# The checkout this package is installed from: the install is editable, so the tools find the dbt project,
# its data and its database next to their own source.
PROJECT_DIR = Path(__file__).resolve().parents[2]


def default_database() -> Path:
    """The DuckDB file dbt builds: F1_DUCKDB_PATH (relative to the project, as in profiles.yml) or formula1.duckdb."""
    return PROJECT_DIR / os.environ.get("F1_DUCKDB_PATH", "formula1.duckdb")


def import_file(relative_path: str) -> ModuleType:
    """Import a file of the project by path, e.g. a dbt Python model, whose functions the tools reuse: dbt
    model files are not importable modules (Snowflake runs each as one self-contained procedure)."""
    path = PROJECT_DIR / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_generated_section(path: Path, name: str, section: str) -> None:
    """Replace what `path` holds between `<!-- name: start -->` and `<!-- name: end -->` with `section`."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    text = path.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no {start} ... {end} section")
    path.write_text(pattern.sub(lambda _: f"{start}\n{section}\n{end}", text))
