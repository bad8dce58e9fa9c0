"""Developer tools: what builds, checks and measures the project, never run by the jobs (what the jobs run, the
rest of f1ml, never imports this package: tests/python/test_package_layout.py).

    benchmark             f1-benchmark: time and memory at 1x, 10x, 100x the data (docs/performance.md)
    generate_scaled_data  f1-generate-scaled-data: the shipped data k times (the generator: scaled_data)
    app_tour              f1-app-tour: every view of the results app timed in headless Chromium
    app_browser           serving the app and driving Chromium, for app_tour and the browser tests
    model_selection       f1-model-selection: how the model's settings were chosen
    stamp_models          f1-stamp-models: the shared ML code stamped into the dbt Python models
    replay_season         f1-replay-season: a season race week by race week (race_week: its exports)
"""
