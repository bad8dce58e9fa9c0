"""Visit every view of the results app in headless Chromium, time each page load and save a screenshot of each.

    f1-app-tour [--database PATH] [--rounds N] [--out DIR] [--readme-image]

Starts the app on the project's DuckDB file (F1_DUCKDB_PATH, default formula1.duckdb: run scripts/run first), so
nothing is cached, then opens each view: once first (the app queries the database), then N times more with a full
page load and N times with the app's menu (both served from the app's cache). A load is the time from navigation
until the heading is shown, the script has finished and every chart is drawn (f1ml.dev.app_browser). Prints a
markdown table with the machine it ran on; the README's figures come from it. --readme-image also writes the
README's screenshot.
"""

import argparse
import os
import platform
import statistics
import sys
from datetime import date
from pathlib import Path

from f1ml import PROJECT_DIR, default_database
from f1ml.dev.app_browser import VIEWS, chromium, open_view, serve_app, switch_view, view_state

README_VIEW = "predictions"
README_IMAGE = PROJECT_DIR / "docs" / "images" / "app_predictions.png"
VIEWPORT = {"width": 1400, "height": 1500}


def tour(database: Path, rounds: int, out: Path) -> list[dict]:
    """Per view: the first load (server cache empty), then `rounds` full page loads and `rounds` switches with the
    app's menu, both served from the app's cache. One browser tab, as a person uses the app."""
    out.mkdir(parents=True, exist_ok=True)
    results = {view.url_path: {"view": view, "loads": [], "switches": []} for view in VIEWS}
    with serve_app(database) as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        for view in VIEWS:
            results[view.url_path]["first"] = open_view(page, f"{url}/{view.url_path}")
            results[view.url_path]["state"] = view_state(page)
            page.screenshot(path=str(out / f"app_{view.url_path or 'overview'}.png"))
        for _ in range(rounds):
            for view in VIEWS:
                results[view.url_path]["loads"].append(open_view(page, f"{url}/{view.url_path}"))
        for _ in range(rounds):
            for view in VIEWS[1:] + VIEWS[:1]:  # from the previous view in the menu
                results[view.url_path]["switches"].append(switch_view(page, view))
    return list(results.values())


def table(results: list[dict], rounds: int) -> str:
    lines = [
        "| view | first load s | cached page load s, median (max) | cached menu switch s, median (max) | notices |",
        "|---|---:|---:|---:|---|",
    ]
    for result in results:
        notices = "; ".join(result["state"]["problems"] + result["state"]["notices"]) or "none"
        loads, switches = result["loads"], result["switches"]
        lines.append(
            f"| {result['view'].menu_title} | {result['first']:.2f} | {statistics.median(loads):.2f} "
            f"({max(loads):.2f}) | {statistics.median(switches):.2f} ({max(switches):.2f}) | {notices} |"
        )
    lines.append(f"\n{rounds} cached page loads and {rounds} menu switches per view.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", type=Path, default=default_database())
    parser.add_argument("--rounds", type=int, default=5, help="cached loads per view (default 5)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "target" / "app_tour", help="screenshot folder")
    parser.add_argument("--readme-image", action="store_true", help=f"also write {README_IMAGE.name} for the README")
    args = parser.parse_args()

    database = PROJECT_DIR / args.database  # a relative path is the project's, as for dbt
    if not database.exists():
        print(f"app_tour: no database at {database}: run scripts/run first", file=sys.stderr)
        return 1
    results = tour(database, args.rounds, args.out)
    load = os.getloadavg()
    print(
        f"{date.today()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, Python {platform.python_version()}"
    )
    print(table(results, args.rounds))
    print(f"Screenshots: {args.out}")
    if args.readme_image:
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        README_IMAGE.write_bytes((args.out / f"app_{README_VIEW}.png").read_bytes())
        print(f"README screenshot: {README_IMAGE.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
