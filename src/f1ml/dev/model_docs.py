"""The model's figures in README.md and the model card, from a built database (a fresh scripts/run).

    f1-model-docs            print what the sections would hold
    f1-model-docs --write    rewrite the sections between <!-- model_report: start --> and ... end

The README holds f1ml.model_report's hold-out season, backtest and targets; the model card also the
selection seasons' table of f1-model-selection, the track record and the calibration. The end-to-end test
checks that a fresh run gives exactly what the files hold.
"""

import argparse

import duckdb

from f1ml import PROJECT_DIR, write_generated_section
from f1ml.dev import model_selection
from f1ml.model_report import (
    backtest_table,
    calibration_table,
    hold_out_summary,
    readme_section,
    targets,
    track_record,
)
from f1ml.settings import default_database

README, MODEL_CARD = PROJECT_DIR / "README.md", PROJECT_DIR / "docs" / "model_card.md"
SECTION = "model_report"


def model_card_section(con, database: str) -> str:
    return "\n\n".join(
        [
            "### Model selection (selection seasons only)",
            model_selection.selection_report(database),
            "### Backtest",
            backtest_table(con),
            targets(con),
            "### Hold-out season",
            hold_out_summary(con),
            "### Track record (forecasts logged before the races, scored after)",
            track_record(con),
            "### Are the probabilities calibrated? (backtest, podium class)",
            calibration_table(con),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    parser.add_argument("--write", action="store_true", help="rewrite the sections of README.md and the model card")
    args = parser.parse_args()
    with duckdb.connect(args.database, read_only=True) as con:
        sections = {README: readme_section(con), MODEL_CARD: model_card_section(con, args.database)}
    for path, section in sections.items():
        if args.write:
            write_generated_section(path, SECTION, section)
            print(f"wrote the generated section of {path.relative_to(PROJECT_DIR)}")
        else:
            print(f"{path.relative_to(PROJECT_DIR)}:\n{section}\n")


if __name__ == "__main__":
    main()
