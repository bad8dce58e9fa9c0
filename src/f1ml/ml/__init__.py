"""The model's code: one owner for every definition the dbt Python models and the tools share.

The tools (`f1-model-selection`, `f1-clean-registry`, `f1-replay-season`) and the tests import these modules.
The dbt Python models cannot: Snowflake runs each model file as one stored procedure, which sees no
package of this repository. So each model file carries a generated copy of exactly the definitions it
calls (and what those call), between markers, written by `f1-stamp-models` from these modules; a test
fails when a copy is not current (docs/decisions.md, 1).

    spec          what the model is: label, classes, features, settings
    engine        the edges to DuckDB and Snowpark: frames in and out, settings, threads
    pipeline      the scikit-learn Pipeline, its rows in canonical order, what its encoders do
    baselines     the grid rule's frequency baseline
    race          race-coherent probabilities and race-shaped calls
    metrics       metrics, the paired race bootstrap, the scorecard every evaluation reports
    training      validation, the promotion gate, metadata, registration
    store         the artifact store: a directory (DuckDB) or a stage (Snowflake)
    registry      versions, their status, and which one serves
    serving       the trusted artifact, the scoring UDF, the forecasts
    backtest      the rolling backtest
"""
