import charts
import pandas as pd
import streamlit as st
import ui

st.title("Model registry")
st.caption(
    "Every registered version with its validation metrics against the grid baseline, in training order, and the "
    "one prediction uses (`ml_model_registry`): decay across retrains shows here."
)

registry = ui.registry_or_notice()
if registry is not None:
    registry = registry.assign(serving=registry["is_serving"].map({True: "serving", False: ""}).fillna(""))
    serving = registry.loc[registry["is_serving"].eq(True), "model_version"].tolist()
    left, right = st.columns(2)
    left.metric("Versions registered", len(registry))
    right.metric("Serving", serving[0] if serving else "unknown")
    st.altair_chart(charts.registry_metrics(registry))
    # The decision first (status, serving, promotion), then the metrics, then where the version came from.
    first = ["model_version", "status", "is_serving", "is_promoted", "promotion_reason"]
    shown = registry[first + [column for column in registry if column not in first and column != "serving"]]
    metrics = [column for column in shown if column.startswith(("model_", "baseline_", "frequency_"))]
    st.dataframe(shown, hide_index=True, column_config=ui.number_columns(shown, metrics))
    if "trained_at" in registry and registry["trained_at"].notna().any():
        first, last = pd.to_datetime(registry["trained_at"].dropna()).agg(["min", "max"])
        st.caption(f"Trained between {first:%Y-%m-%d %H:%M} and {last:%Y-%m-%d %H:%M} UTC.")
