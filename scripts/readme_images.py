"""Regenerate the pictures the README shows from the demo's outputs.

    make demo
    python scripts/readme_images.py            # charts only
    python scripts/readme_images.py --screenshots   # also the report pages (needs Chromium and Playwright)

Writes docs/images/*.png (small, 80 dpi). The confusion matrix comes from
benchmarks/bench_types.py --figure docs/images/types-confusion.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
DEMO = ROOT / "reports" / "demo"


def charts() -> None:
    from invoicekit.business_case import build, load_config, with_journal
    from invoicekit.followup import followup
    from invoicekit.reports import business_case_figures, followup_figures

    f = followup(DEMO / "journal.sqlite", truth=DEMO / "world" / "truth.csv")
    bc = build(with_journal(load_config(DEMO / "business-case.toml"), DEMO / "journal.sqlite"))
    figs = followup_figures(f) | business_case_figures(bc)
    for name in ("monthly", "pareto", "template", "tornado", "montecarlo", "rate"):
        path = IMAGES / f"{'followup' if name in ('monthly', 'pareto', 'template') else 'bc'}-{name}.png"
        figs[name].savefig(path, dpi=72)
        print(path.relative_to(ROOT))
    figs.clear()


def screenshots() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for name in ("followup", "business-case"):
            page = browser.new_page(viewport={"width": 1100, "height": 1300})
            page.goto((ROOT / "reports" / f"{name}.html").as_uri(), wait_until="load")
            path = IMAGES / f"report-{name}.png"
            page.screenshot(path=str(path), full_page=False)
            print(path.relative_to(ROOT))
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--screenshots", action="store_true", help="also the top of each HTML report")
    args = ap.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    charts()
    if args.screenshots:
        screenshots()


if __name__ == "__main__":
    main()
