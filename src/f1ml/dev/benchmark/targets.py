"""The run's ratios and its targets (docs/performance.md): each PASS, FAIL or SKIP (not measured)."""

from __future__ import annotations

from f1ml.dev.benchmark.checks import RETIRED
from f1ml.dev.benchmark.scales import STEPS, Scale

K1_BUILD_OVER_LOAD_PARSE = 2.0
K1_PREDICT_SHARE = 0.30
K100_PEAK_MIB = 4096.0
K100_BUILD_SECONDS = 150.0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 3) if numerator is not None and denominator else None


def ratios(scales: dict[int, Scale]) -> dict:
    out = {}
    for k, scale in scales.items():
        load, parse, build, predict = (scale.seconds(s) for s in STEPS)
        overhead = load + parse if load is not None and parse is not None else None
        out[f"k={k}"] = {
            "build_over_load_plus_parse": _ratio(build, overhead),
            "predict_over_build": _ratio(predict, build),
        }
    base = scales.get(1)
    if base:
        for k, scale in scales.items():
            if k != 1:
                out[f"k={k}"]["build_over_k1"] = _ratio(scale.seconds("build"), base.seconds("build"))
                out[f"k={k}"]["peak_memory_over_k1"] = _ratio(scale.peak_mib(), base.peak_mib())
    return out


def targets(scales: dict[int, Scale], ratio: dict, checks: dict | None) -> list[dict]:
    checks_out = []

    def check(name: str, value, passed: bool | None, detail: str) -> None:
        status = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
        checks_out.append({"target": name, "status": status, "value": value, "detail": detail})

    def broken(scale: Scale, *names: str) -> str | None:
        bad = []
        for name in (n for n in names if n in scale.steps):
            step = scale.steps[name]
            failed = f" ({', '.join(step.failures)} failed)" if step.failures else ""
            if not step.ok or failed:
                bad.append(f"{name} exit {step.exit_code}{failed}")
        return ", ".join(bad) or None

    k1, k100 = scales.get(1), scales.get(100)
    name = f"k=1: full build / (load + parse) <= {K1_BUILD_OVER_LOAD_PARSE:.1f}"
    value = ratio.get("k=1", {}).get("build_over_load_plus_parse")
    if k1 and value is not None:
        check(name, value, value <= K1_BUILD_OVER_LOAD_PARSE and not broken(k1, "load", "parse", "build"),
              broken(k1, "load", "parse", "build") or f"{value:.2f}")  # fmt: skip
    else:
        check(name, None, None, "k=1 load, parse and build not all measured")
    name = f"k=1: predict-only <= {K1_PREDICT_SHARE:.2f} x full build"
    value = ratio.get("k=1", {}).get("predict_over_build")
    if k1 and value is not None:
        check(name, value, value <= K1_PREDICT_SHARE and not broken(k1, "build", "predict"),
              broken(k1, "build", "predict") or f"{value:.2f}")  # fmt: skip
    else:
        check(name, None, None, "k=1 build and predict not both measured")
    name = f"k=100: peak memory <= {K100_PEAK_MIB / 1024:.0f} GiB, every node passing"
    if k100 and k100.peak_mib() is not None and {"build", "predict"} <= set(k100.steps):
        bad = broken(k100, "generate", *STEPS)
        detail = f"{k100.peak_mib():,.0f} MiB, max over the steps" + (f"; {bad}" if bad else "; every step exit 0")
        check(name, k100.peak_mib(), not bad and k100.peak_mib() <= K100_PEAK_MIB, detail)
    else:
        check(name, None, None, "k=100 build and predict not measured (--with-100)")
    name = f"k=100: full build <= {K100_BUILD_SECONDS:.0f} s"
    if k100 and "build" in k100.steps:
        value = k100.steps["build"].seconds
        bad = broken(k100, "build")
        check(name, value, not bad and value <= K100_BUILD_SECONDS, bad or f"{value:.1f} s")
    else:
        check(name, None, None, "k=100 build not measured (--with-100)")
    name = "no check lost: every check of the baseline still enforced"
    if checks:
        lost, retired = len(checks["missing"]), checks["enforced"].get(RETIRED, 0)
        detail = f"{checks['before'] - lost - retired} of {checks['before']} enforced, "
        detail += (f"{retired} retired on purpose, " if retired else "") + f"{lost} missing"
        check(name, lost, lost == 0, detail)
    else:
        check(name, None, None, "no manifest (parse not run) or no baseline")
    return checks_out
