"""Generated sections of the docs: written between markers, and the committed ones match their source."""

import json

import pytest
from conftest import PROJECT_DIR

from f1ml import write_generated_section
from f1ml.dev.benchmark import render


def test_a_section_is_replaced_between_its_markers_and_a_missing_one_is_named(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- figures: start -->\nold\n<!-- figures: end -->\nrest\n")
    write_generated_section(page, "figures", "new\nlines")
    assert page.read_text() == "intro\n<!-- figures: start -->\nnew\nlines\n<!-- figures: end -->\nrest\n"
    with pytest.raises(ValueError, match="page.md has no <!-- other: start -->"):
        write_generated_section(page, "other", "x")


def test_performance_page_and_readme_summary_are_what_the_committed_benchmark_results_give():
    result = json.loads((PROJECT_DIR / "benchmarks" / "results.json").read_text())
    assert (PROJECT_DIR / "docs" / "performance.md").read_text() == render.markdown(result)
    summary = render.readme_summary(result)
    assert (
        f"<!-- performance: start -->\n{summary}\n<!-- performance: end -->" in (PROJECT_DIR / "README.md").read_text()
    )
