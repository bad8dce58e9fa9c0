import charts
import pandas as pd
import queries
import streamlit as st
import ui

st.title("Model registry")
st.caption(
    "Every trained version in training order (`ml_model_registry`): its validation figures (on the last season "
    "it trained on, against the grid rule and the frequency baseline), whether it passed the promotion gate, "
    "which one serves, and beside them its track record: the forecasts it made before races, scored once they "
    "were run (`ml_track_record`). A decay across retrains or races shows here."
)
STATUS = {
    "ready": "ready",
    "artifact_missing": "artifact missing from the store",
    "outdated": "outdated: retrain",
    "incomplete": "incomplete: a training run did not finish",
    "not_in_ledger": "in the store, not in the ledger",
}
DECISION = {"model_version": "Version", "status_text": "Status", "serving": "Serving", "promoted": "Promoted",
            "trained": "Trained (UTC)", "trained_on": "Trained on",
            "promotion_reason": "Why (promotion gate)"}  # fmt: skip
FIGURES = {"model_version": "Version", "validation_season": "Validation season",
           "model_accuracy": "Accuracy: model", "grid_rule_accuracy": "Accuracy: grid rule",
           "model_log_loss": "Log loss: model", "frequency_log_loss": "Log loss: frequency",
           "record_races": "Track record: races", "record_accuracy": "Track record accuracy: model",
           "record_grid_accuracy": "Track record accuracy: grid rule",
           "record_log_loss": "Track record log loss: model",
           "record_frequency_log_loss": "Track record log loss: frequency"}  # fmt: skip
RECORD = {"races": "record_races", "model_accuracy": "record_accuracy", "grid_rule_accuracy": "record_grid_accuracy",
          "model_log_loss": "record_log_loss", "frequency_log_loss": "record_frequency_log_loss"}  # fmt: skip


def yes(flag) -> str:
    return "yes" if flag is True or flag == True else ""  # noqa: E712 (numpy booleans)


def with_track_record(registry: pd.DataFrame) -> pd.DataFrame:
    """Each version's scored forecasts beside its validation figures (none before any is scored)."""
    table = queries.read("ml_track_record")
    record = table.frame if table.frame is not None else pd.DataFrame(columns=["scope", "model_version", *RECORD])
    versions = record[record["scope"] == "version"][["model_version", *RECORD]].rename(columns=RECORD)
    return registry.merge(versions, on="model_version", how="left")


def warnings(registry: pd.DataFrame) -> None:
    serving = registry[registry["is_serving"].eq(True)]
    if serving.empty:
        st.warning("No version can serve: none is ready (see Status). Run the retrain job (scripts/run).")
        return
    version = serving.iloc[0]
    check = version["store_metadata_check"]
    if pd.notna(check) and check != "ok":
        st.warning(
            f"The serving version {version['model_version']}: {check}. Prediction uses the copy of its metadata "
            "recorded in the ledger at training time, so it still serves; restore the store's metadata.json "
            "or retrain."
        )


registry = ui.registry_or_notice()
if registry is not None:
    registry = with_track_record(registry).assign(
        serving=lambda r: r["is_serving"].map(yes),
        promoted=lambda r: r["is_promoted"].map(yes),
        status_text=lambda r: r["status"].map(STATUS).fillna(r["status"]),
        trained=lambda r: pd.to_datetime(r["trained_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
        trained_on=lambda r: (
            r["training_first_season"].astype("Int64").astype(str)
            + "-"
            + r["training_last_season"].astype("Int64").astype(str)
        ),
    )
    serving = registry.loc[registry["is_serving"].eq(True), "model_version"].tolist()
    left, right = st.columns(2)
    left.metric("Versions registered", len(registry))
    right.metric("Serving", serving[0] if serving else "none")
    warnings(registry)
    st.altair_chart(charts.registry_accuracy(registry))
    ui.table(ui.labelled(registry, DECISION))
    numbers = [label for column, label in FIGURES.items() if "accuracy" in column or "log_loss" in column]
    ui.table(
        ui.labelled(registry, FIGURES), formats={**{label: "%.3f" for label in numbers}, FIGURES["record_races"]: "%d"}
    )
