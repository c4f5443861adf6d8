"""Open the HTML reports in headless Chromium and check that they render:
every chart decoded (an <img> with a natural width), no request that failed
or went anywhere but the file itself, no console error. Saves a full-page
screenshot beside each report.

    pip install -e '.[browser]'          # Playwright's Python driver (no browser download)
    apt-get install chromium             # Debian's Chromium, used as it is
    python scripts/check_reports_in_browser.py reports/followup.html reports/business-case.html

``make check-reports`` does both installs' Python half and runs it on the demo's reports.
Exit status 0 when every page renders with all its charts, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def check(paths: list[Path], chromium: str) -> int:
    from playwright.sync_api import sync_playwright

    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        for path in paths:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            outside: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda r, errors=errors: errors.append(f"failed: {r.url[:80]}"))
            url = path.resolve().as_uri()
            page.on(
                "request",
                lambda r, url=url, outside=outside: (
                    None if r.url == url or r.url.startswith("data:") else outside.append(r.url)
                ),
            )
            page.goto(url, wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0, i.naturalWidth])"
            )
            broken = [alt for alt, ok, _ in images if not ok]
            shot = path.with_suffix(".png")
            page.screenshot(path=str(shot), full_page=True)
            height = page.evaluate("document.body.scrollHeight")
            ok = images and not broken and not errors and not outside
            failures += not ok
            print(
                f"{'OK  ' if ok else 'FAIL'} {path}: {len(images)} charts rendered"
                f" ({', '.join(str(w) for *_, w in images)} px wide), page {height} px high; screenshot {shot}"
            )
            for what, items in (("broken chart", broken), ("error", errors), ("request outside the file", outside)):
                for item in items:
                    print(f"     {what}: {item}")
            page.close()
        browser.close()
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", type=Path, help="HTML reports to open")
    ap.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium binary (default /usr/bin/chromium)")
    args = ap.parse_args()
    missing = [p for p in args.reports if not p.exists()]
    if missing:
        print(f"check_reports_in_browser: {missing[0]}: no such file", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(f"check_reports_in_browser: {args.chromium}: no Chromium; apt-get install chromium", file=sys.stderr)
        return 2
    return check(args.reports, args.chromium)


if __name__ == "__main__":
    sys.exit(main())
