"""What every page shares: notices for a table it cannot show, the registry check of the ML pages, tables with
labels a person reads, and the watch for a newer build."""

import engine
import pandas as pd
import queries
import streamlit as st

NO_MODEL_MESSAGE = "No model registered yet: run scripts/run"
NO_FORECAST_MESSAGE = (
    "No current forecast: the last prediction run was refused or failed, and it leaves no forecast behind so that "
    "none passes for a current one. The model registry says which version should serve and what is wrong; run "
    "the prediction job again once it is fixed."
)
# st.dataframe draws rows 35 px high under a header of the same height; this height shows every row.
ROW_PIXELS = 35
# Backgrounds of a difference whose interval excludes 0 (never red: red marks a cell error in a table).
MODEL_BETTER, BASELINE_BETTER = "#dbe9f9", "#fde3cf"


def show(table: queries.Table) -> pd.DataFrame | None:
    """The table's rows, or None after showing why they cannot be shown."""
    if table.frame is None:
        (st.info if table.not_built else st.warning)(table.problem)
    return table.frame


def registry_or_notice() -> pd.DataFrame | None:
    """The model registry, or None after telling that no model is registered (or why it cannot be read)."""
    registry = queries.read("ml_model_registry")
    if registry.is_empty:
        st.info(NO_MODEL_MESSAGE)
        return None
    return show(registry)


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, colors: dict[str, list] | None = None) -> None:
    """A table that shows every row and column, its text wrapped to fit the page (st.table): `formats` gives a
    number format per column label ("%.3f"), `colors` a background colour per row (or None) for a column."""
    # No index column: a RangeIndex hides it in newer Streamlit releases, Styler.hide in older ones.
    styler = frame.reset_index(drop=True).style.hide(axis="index").format(precision=3, na_rep="–")
    for label, number_format in (formats or {}).items():
        styler = styler.format(lambda value, f=number_format: "–" if pd.isna(value) else f % value, subset=[label])
    for label, column_colors in (colors or {}).items():
        css = [f"background-color: {color}" if color else "" for color in column_colors]
        styler = styler.apply(lambda _, css=css: css, subset=[label])
    st.table(styler)


def grid(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> None:
    """A sortable table (st.dataframe) with every row in view, no scroll inside it; `formats` gives a number
    format per column label, and only to numeric columns."""
    config = {label: st.column_config.NumberColumn(label, format=f) for label, f in (formats or {}).items()}
    height = (len(frame) + 1) * ROW_PIXELS + 3
    st.dataframe(frame, hide_index=True, column_config=config, height=height)


def difference_color(low: float, high: float, lower_is_better: bool = False) -> str | None:
    """A cell's background for a difference (model minus baseline): only when its interval excludes 0, blue
    where the model is better, orange where the baseline is."""
    if not excludes_zero(low, high):
        return None
    model_better = (high < 0) if lower_is_better else (low > 0)
    return MODEL_BETTER if model_better else BASELINE_BETTER


def difference_metric(column, label: str, value: float, difference: float, low: float, high: float,
                      baseline: str, lower_is_better: bool = False) -> None:  # fmt: skip
    """The model's figure with its difference to a baseline and the 95% interval, in colour only when the
    interval excludes 0 (green when the model is better), grey otherwise."""
    if pd.isna(value):
        column.metric(label, "–")
        return
    colored = "inverse" if lower_is_better else "normal"
    column.metric(
        label,
        f"{value:.3f}",
        delta=" ".join(part for part in (signed(difference), interval(low, high), f"vs {baseline}") if part),
        delta_color=colored if excludes_zero(low, high) else "off",
    )


def labelled(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The columns named in `labels`, in that order, renamed to the labels a person reads."""
    return frame[list(labels)].rename(columns=labels)


def joined(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Figures of several columns in one cell each, e.g. the model's and a baseline's: "0.718, 0.707"."""
    return [", ".join("–" if pd.isna(value) else f"{value:.3f}" for value in row) for row in frame[columns].to_numpy()]


def signed(value: float) -> str:
    return f"{value:+.3f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def interval(low: float, high: float) -> str:
    """A 95% interval as "[low, high]"; empty when there is none (a single race cannot be resampled)."""
    return f"[{low:+.3f}, {high:+.3f}]" if pd.notna(low) and pd.notna(high) else ""


def excludes_zero(low: float, high: float) -> bool:
    """True when a 95% interval lies wholly on one side of 0: the difference is then more than chance."""
    return pd.notna(low) and pd.notna(high) and (low > 0 or high < 0)


def season_label(season, partial) -> str:
    """A season as the rows scored name it, marked when it has too few races to stand for a season."""
    return f"{int(season)} (partial season)" if pd.notna(partial) and partial else f"{int(season)}"


def build_text(stamp: queries.BuildStamp | None) -> str:
    if stamp is None:
        return ""
    finished = pd.Timestamp(stamp.finished_at).strftime("%Y-%m-%d %H:%M")
    failures = f", {stamp.failed_nodes} failed" if stamp.failed_nodes else ""
    return f"Data of the dbt {stamp.command} that finished {finished} UTC{failures}."


def watch_builds() -> None:
    """In the sidebar: which build the pages show, and every few seconds a look for a newer one, which reruns
    the page on the new data by itself (README: dbt can run while the app is open)."""

    def watch() -> None:
        if queries.follow_build():
            st.rerun()
        st.caption(build_text(st.session_state.get(queries.STAMP_KEY)))

    st.fragment(watch, run_every=engine.POLL_SECONDS[queries.source().engine])()
