"""Developer tools: measuring and looking at the pipeline, never run by a job (f1ml's own modules never import
this package).

    benchmark             f1-benchmark: time and memory at 1x, 10x, 100x the data (docs/performance.md)
    generate_scaled_data  f1-generate-scaled-data: the shipped data k times (the generator: scaled_data)
    app_tour              f1-app-tour: every view of the results app timed in headless Chromium
    app_browser           serving the app and driving Chromium, for app_tour and the browser tests
"""
