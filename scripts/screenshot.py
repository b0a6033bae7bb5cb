"""Screenshot a dashboard served by a fresh Voila, for the README and for looking at changes.

    python scripts/screenshot.py 3_lstm_explorer.ipynb docs/lstm_explorer.png [--query '?...']
        [--width 1400] [--height 2600] [--click 'text=movie reviews'] [--set ctl-n_x=8 ...]
        [--wait-for '.training-status >> text=Trained.']
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from driver.servers import VoilaServer  # noqa: E402
from driver.ui import RENDER_TIMEOUT_MS, launch_chromium, set_slider  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("out")
    parser.add_argument("--query", default="")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2600)
    parser.add_argument("--click", action="append", default=[],
                        help="a Playwright selector to click first, e.g. 'text=movie reviews'")
    parser.add_argument("--set", action="append", default=[],
                        help="ctl-class=value: move a slider before the shot")
    parser.add_argument("--wait-for", default=None,
                        help="a Playwright selector to wait for before the shot, e.g. "
                             "'.training-status >> text=Trained.'")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    server = VoilaServer(ROOT, Path(tempfile.mkdtemp()) / "voila.log")
    try:
        server.wait_ready()
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.route(lambda url: not url.startswith(server.url),
                       lambda route: route.fulfill(status=200, body=""))
            page.goto(f"{server.url}/voila/render/{args.notebook}{args.query}",
                      timeout=RENDER_TIMEOUT_MS)
            # a visible figure: presenter mode (present=k) hides the other sections' figures
            page.locator(".bqplot").locator("visible=true").first.wait_for(timeout=120_000)
            for selector in args.click:
                page.click(selector)
                page.wait_for_timeout(1000)
            for item in args.set:
                cls, value = item.split("=")
                set_slider(page, cls, int(value))
            if args.wait_for:
                page.wait_for_selector(args.wait_for, timeout=RENDER_TIMEOUT_MS)
            page.wait_for_timeout(1500)
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    finally:
        server.stop()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
