import charts
import pandas as pd
import queries
import streamlit as st
import ui

st.title("Predictions for the hold-out season")
st.caption(
    "Each driver's predicted probability of a podium, a points finish or no points, made before the start, "
    "next to the grid slot and the actual result (`apply_prediction_to_position`)."
)


def race_label(race: pd.Series) -> str:
    name = race["race_name"] if pd.notna(race["race_name"]) else race["circuit_name"]
    return f"Round {race['race_round']}: {name} ({pd.Timestamp(race['race_date']).date()})"


def result_text(position) -> str:
    return "not classified" if pd.isna(position) else f"P{int(position)}"


if ui.registry_or_notice() is not None:
    predictions = ui.show(queries.read("apply_prediction_to_position"))
    if predictions is not None and predictions.empty:
        st.info("The hold-out season has no rows to predict.")
    elif predictions is not None:
        version = predictions["model_version"].iloc[0]
        promoted = predictions["is_promoted"].iloc[0]
        status = "" if pd.isna(promoted) else (" (promoted)" if promoted else " (not promoted)")
        st.markdown(f"Season **{predictions['race_year'].iloc[0]}**, predicted by model **{version}**{status}.")

        races = predictions.drop_duplicates("race_id").set_index("race_id")
        labels = {race_id: race_label(race) for race_id, race in races.iterrows()}
        race_ids = list(labels)
        chosen = st.selectbox("Race", race_ids, index=len(race_ids) - 1, format_func=labels.get)

        race = predictions[predictions["race_id"] == chosen].copy()
        race["driver"] = race["driver_name"].fillna(race["driver_ref"])
        # A pit-lane start (grid 0) counts as the last slot, as in the model's features.
        race["grid_slot"] = race["grid_position"].fillna(race["grid"].where(race["grid"] > 0, 99))
        race = race.sort_values(["grid_slot", "driver"])

        rows = len(race)
        model_right = int((race["predicted_position_label"] == race["position_label"]).sum())
        grid_right = int((race["grid_baseline_label"] == race["position_label"]).sum())
        left, right = st.columns(2)
        left.metric("Model: classes right", f"{model_right} of {rows}")
        right.metric("Grid baseline: classes right", f"{grid_right} of {rows}")

        st.altair_chart(charts.race_probabilities(race))
        table = pd.DataFrame(
            {
                "grid": race["grid"],
                "driver": race["driver"],
                "team": race["constructor_team"],
                "P(podium)": race["prob_podium"],
                "P(points)": race["prob_points"],
                "P(no points)": race["prob_no_points"],
                "model predicts": race["predicted_position_label"].map(charts.CLASS_NAMES),
                "grid predicts": race["grid_baseline_label"].map(charts.CLASS_NAMES),
                "result": race["position"].map(result_text),
                "actual class": race["position_label"].map(charts.CLASS_NAMES),
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            column_config=ui.number_columns(table, ["P(podium)", "P(points)", "P(no points)"], "%.2f"),
        )
