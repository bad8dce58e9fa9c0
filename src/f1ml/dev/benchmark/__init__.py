"""scripts/benchmark (f1-benchmark): the pipeline at 1x, 10x and 100x the data, in docs/performance.md.

cli      the command: arguments, the run over the scales, where the results go
scales   one scale: its data, each step in its own process, the slowest nodes again alone
measure  one step: wall time, peak memory of its process tree, its log; the machine
checks   the project's checks against the baseline's: no check lost
targets  ratios and targets
render   the results as docs/performance.md, the README's summary and console tables
"""
