"""The model's results as Markdown, from a built database: the hold-out season, the backtest against its
targets, the track record, the calibration.

    f1-model-report [--database formula1.duckdb]

Reads main.ml_backtest, ml_hold_out_evaluation, ml_track_record, ml_seasons, ml_calibration and
ml_model_registry. Seasons are labelled from the rows each table scored; a partial season's figures are shown
and left out of the verdicts, with a line saying so. f1-summary prints it as plain text; `f1-model-docs
--write` (f1ml.dev.model_docs) puts it into README.md and the model card.
"""

import argparse

import duckdb

from f1ml.settings import default_database

# The targets the backtest is reported against (never tuned for): share of judged seasons where the coherent
# probabilities' log loss must beat the uncoupled ones' (9 of 10), and the frequency baseline's (10 of 10).
UNCOUPLED_SHARE, FREQUENCY_SHARE = 0.9, 1.0
CALL_METRICS = {"accuracy": "accuracy", "macro_f1": "macro F1", "balanced_accuracy": "balanced accuracy"}


def rows(con, sql: str) -> list[dict]:
    relation = con.sql(sql)
    return [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]


def difference(row: dict, metric: str) -> str:
    """`+0.012 [-0.010, +0.034]`: a difference and its 95% interval (none for a single race)."""
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    shown = f"{row[f'{metric}_difference']:+.3f}"
    return shown if low is None else f"{shown} [{low:+.3f}, {high:+.3f}]"


def partial_note(season: int, races: int, con) -> str:
    minimum = rows(con, f"select min_races_for_verdict from main.ml_seasons where season = {season}")
    needed = minimum[0]["min_races_for_verdict"] if minimum else "?"
    return (
        f"Season {season} is partial ({races} races run, fewer than {needed}): its figures are shown and left "
        "out of the verdicts."
    )


def hold_out_summary(con) -> str:
    """The serving version on the hold-out season, labelled from the rows it scored."""
    serving = rows(con, "select * from main.ml_model_registry where is_serving")[0]
    evaluated = rows(con, "select * from main.ml_hold_out_evaluation")
    if not evaluated:
        return (
            f"Hold-out season: no race of it has run yet; model {serving['model_version']} "
            f"({serving['promotion_reason']}) forecasts its upcoming races."
        )
    row = evaluated[0]
    calls = "; ".join(
        f"{name} {row[f'model_{metric}']:.3f} (grid rule {row[f'grid_rule_{metric}']:.3f}, difference "
        f"{difference(row, metric)})"
        for metric, name in CALL_METRICS.items()
    )
    text = (
        f"Hold-out season {row['season']} ({row['races']} races, {row['rows_scored']} rows), model "
        f"{row['model_version']} ({serving['promotion_reason']}): {calls} (95% intervals resampling races); "
        f"log loss {row['model_log_loss']:.3f} (frequency baseline {row['frequency_log_loss']:.3f}, uncoupled "
        f"{row['uncoupled_log_loss']:.3f}), Brier score {row['model_brier_score']:.3f}."
    )
    return text + (" " + partial_note(row["season"], row["races"], con) if row["is_partial_season"] else "")


def backtest_table(con) -> str:
    lines = [
        "| season | trained on | races | accuracy: model, grid rule | difference [95% interval] "
        "| macro F1 difference | balanced accuracy difference | log loss: model, frequency, uncoupled "
        "| Brier: model, frequency |",
        "|---|---|---:|---|---|---|---|---|---|",
    ]
    for r in rows(con, "select * from main.ml_backtest order by scope desc, backtest_season"):
        if r["scope"] == "season":
            flags = [flag for flag, on in (("selection season", r["used_in_selection"]),
                                           ("partial", r["is_partial_season"])) if on]  # fmt: skip
            label = f"{r['backtest_season']}" + (f" ({', '.join(flags)})" if flags else "")
        else:
            label = f"**mean of {r['seasons_scored']} seasons**"
        lines.append(
            f"| {label} | {r['training_first_season']}-{r['training_last_season']} | {r['races']} "
            f"| {r['model_accuracy']:.3f}, {r['grid_rule_accuracy']:.3f} | {difference(r, 'accuracy')} "
            f"| {difference(r, 'macro_f1')} | {difference(r, 'balanced_accuracy')} "
            f"| {r['model_log_loss']:.3f}, {r['frequency_log_loss']:.3f}, {r['uncoupled_log_loss']:.3f} "
            f"| {r['model_brier_score']:.3f}, {r['frequency_brier_score']:.3f} |"
        )
    return "\n".join(lines)


def targets(con) -> str:
    """The backtest against its targets; partial and selection seasons named and left out."""
    summary = rows(con, "select * from main.ml_backtest where scope = 'all_seasons'")[0]
    seasons = summary["seasons_scored"]
    lines = []
    for r in rows(con, "select * from main.ml_backtest where scope = 'season' and is_partial_season"):
        lines.append(f"- {partial_note(r['backtest_season'], r['races'], con)}")
    above = {name: summary[f"{metric}_difference"] > 0 for metric, name in CALL_METRICS.items()}
    shown = ", ".join(f"{name} {difference(summary, metric)}" for metric, name in CALL_METRICS.items())
    lines.append(
        f"- Mean accuracy, macro F1 and balanced accuracy each above the grid rule's: "
        f"**{'met' if all(above.values()) else 'not met'}** ({shown}); the accuracy interval's lower bound is "
        f"{'above' if summary['accuracy_ci_low'] > 0 else 'not above'} 0."
    )
    for name, column, share in (
        ("the uncoupled probabilities'", "seasons_log_loss_below_uncoupled", UNCOUPLED_SHARE),
        ("the frequency baseline's", "seasons_log_loss_below_frequency", FREQUENCY_SHARE),
    ):
        needed = -(-share * seasons // 1)
        count = summary[column]
        lines.append(
            f"- Log loss below {name} in at least {needed:.0f} of {seasons} seasons: "
            f"**{'met' if count >= needed else 'not met'}** ({count} of {seasons}; means "
            f"{summary['model_log_loss']:.4f} against "
            f"{summary['uncoupled_log_loss' if 'uncoupled' in column else 'frequency_log_loss']:.4f})."
        )
    return "\n".join(lines)


def track_record(con) -> str:
    """Each version's scored forecasts, next to the backtest's mean."""
    versions = rows(con, "select * from main.ml_track_record where scope = 'version' order by model_version")
    if not versions:
        return (
            "Track record: no logged forecast has been scored yet (a race is logged when it is forecast before it "
            "is run, and scored once its results are loaded)."
        )
    lines = [
        "| version | races | accuracy: model, grid rule | difference [95% interval] | log loss: model, frequency "
        "| podium calls right |",
        "|---|---:|---|---|---|---:|",
    ]
    for r in versions:
        lines.append(
            f"| {r['model_version']} | {r['races']} | {r['model_accuracy']:.3f}, {r['grid_rule_accuracy']:.3f} "
            f"| {difference(r, 'accuracy')} | {r['model_log_loss']:.3f}, {r['frequency_log_loss']:.3f} "
            f"| {r['podium_calls_right']} of {3 * r['races']} |"
        )
    return "\n".join(lines)


def calibration_table(con) -> str:
    lines = ["| chance of a podium | rows | mean chance | observed podium rate |", "|---|---:|---:|---:|"]
    for r in rows(con, "select * from main.ml_calibration where predicted_label = 1 order by probability_bin"):
        lines.append(
            f"| {r['bin_lower']:.1f}-{r['bin_upper']:.1f} | {r['rows_in_bin']} "
            f"| {r['mean_predicted_probability']:.3f} | {r['observed_rate']:.3f} |"
        )
    return "\n".join(lines)


def readme_section(con) -> str:
    return "\n\n".join([hold_out_summary(con), backtest_table(con), targets(con)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=str(default_database()))
    with duckdb.connect(parser.parse_args().database, read_only=True) as con:
        print("\n\n".join([readme_section(con), track_record(con), calibration_table(con)]))


if __name__ == "__main__":
    main()
