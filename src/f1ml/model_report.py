"""The model's results as Markdown, from a built database: the README's and the model card's figures.

    f1-model-report [--database formula1.duckdb]          # print the report
    f1-model-report --write                               # rewrite the generated sections

Reads main.ml_backtest, main.ml_calibration, main.ml_hold_out_evaluation and main.ml_model_registry (and,
for the model card, re-scores the variants of f1ml.model_selection on the selection seasons).
README.md and docs/model_card.md hold the output between the markers below; --write replaces it there, and
the end-to-end test checks that a fresh run writes exactly what the files hold.
"""

import argparse

import duckdb

from f1ml import PROJECT_DIR, default_database, model_selection, write_generated_section

README, MODEL_CARD = PROJECT_DIR / "README.md", PROJECT_DIR / "docs" / "model_card.md"
SECTION = "model_report"  # README.md and the model card: <!-- model_report: start --> ... end
# The targets for the backtest, reported as met or not (never tuned for).
TARGET_GAIN, TARGET_LOG_LOSS_SEASONS = 0.03, 9


def rows(con, sql: str) -> list[dict]:
    relation = con.sql(sql)
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def serving_version(con) -> dict:
    return rows(con, "select * from main.ml_model_registry where is_serving")[0]


def hold_out_summary(con) -> str:
    """The serving version on the hold-out season, with the backtest's interval for that same season."""
    version = serving_version(con)
    evaluation = {r["predictor"]: r for r in rows(con, "select * from main.ml_hold_out_evaluation")}
    model, grid = evaluation["model"], evaluation["grid_baseline"]
    season = version["hold_out_season"]
    same_season = rows(con, f"select * from main.ml_backtest where scope = 'season' and backtest_season = {season}")
    interval = ""
    if same_season and same_season[0]["training_first_season"] == version["training_first_season"]:
        low, high = same_season[0]["difference_ci_low"], same_season[0]["difference_ci_high"]
        interval = f", 95% interval {low:+.3f} to {high:+.3f} (resampling races; backtest row {season})"
    return (
        f"Hold-out season {season}, {model['row_count']} rows, model {version['model_version']} "
        f"({version['promotion_reason']}): balanced accuracy {model['balanced_accuracy']:.3f} against "
        f"{grid['balanced_accuracy']:.3f} for the grid rule, difference "
        f"{model['balanced_accuracy'] - grid['balanced_accuracy']:+.3f}{interval}; log loss "
        f"{model['log_loss']:.3f}, Brier score {model['brier_score']:.3f}."
    )


def backtest_table(con) -> str:
    lines = [
        "| season | trained on | races | model bal. acc. | grid rule | difference [95% interval] "
        "| model log loss | frequency log loss | model Brier | frequency Brier |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows(con, "select * from main.ml_backtest order by scope desc, backtest_season"):
        if r["scope"] == "season":
            label = f"{r['backtest_season']}" + (" (selection season)" if r["used_in_selection"] else "")
        else:
            label = f"**mean of {r['seasons_scored']} seasons**"
        lines.append(
            f"| {label} | {r['training_first_season']}-{r['training_last_season']} | {r['races']} "
            f"| {r['model_balanced_accuracy']:.3f} | {r['baseline_balanced_accuracy']:.3f} "
            f"| {r['balanced_accuracy_difference']:+.3f} "
            f"[{r['difference_ci_low']:+.3f}, {r['difference_ci_high']:+.3f}] "
            f"| {r['model_log_loss']:.3f} | {r['frequency_log_loss']:.3f} "
            f"| {r['model_brier_score']:.3f} | {r['frequency_brier_score']:.3f} |"
        )
    return "\n".join(lines)


def targets(con) -> str:
    summary = rows(con, "select * from main.ml_backtest where scope = 'all_seasons'")[0]
    seasons = summary["seasons_scored"]
    gain, low = summary["balanced_accuracy_difference"], summary["difference_ci_low"]
    below = summary["seasons_log_loss_below_frequency"]
    gain_met = gain >= TARGET_GAIN and low > 0
    log_loss_met = below >= TARGET_LOG_LOSS_SEASONS * seasons / 10
    return (
        f"- Mean balanced accuracy at least the grid rule's + {TARGET_GAIN:.2f}, with the interval above 0: "
        f"**{'met' if gain_met else 'not met'}** ({gain:+.3f}, interval {low:+.3f} to "
        f"{summary['difference_ci_high']:+.3f}).\n"
        f"- Log loss below the frequency baseline in at least {TARGET_LOG_LOSS_SEASONS} seasons of 10: "
        f"**{'met' if log_loss_met else 'not met'}** ({below} of {seasons})."
    )


def calibration_table(con) -> str:
    lines = ["| predicted P(podium) | rows | mean predicted | observed podium rate |", "|---|---:|---:|---:|"]
    for r in rows(con, "select * from main.ml_calibration where predicted_label = 1 order by probability_bin"):
        lines.append(
            f"| {r['bin_lower']:.1f}-{r['bin_upper']:.1f} | {r['rows_in_bin']} "
            f"| {r['mean_predicted_probability']:.3f} | {r['observed_rate']:.3f} |"
        )
    return "\n".join(lines)


def readme_section(con) -> str:
    return "\n\n".join([hold_out_summary(con), backtest_table(con), targets(con)])


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
            "### Are the probabilities calibrated? (backtest predictions, podium class)",
            calibration_table(con),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    parser.add_argument("--write", action="store_true", help="rewrite the sections of README.md and the model card")
    args = parser.parse_args()
    with duckdb.connect(args.database, read_only=True) as con:
        readme = readme_section(con)
        if not args.write:
            print(readme)
            return
        card = model_card_section(con, args.database)
    for path, section in ((README, readme), (MODEL_CARD, card)):
        write_generated_section(path, SECTION, section)
        print(f"wrote the generated section of {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
