"""Screenshots of the dashboard at 1400x1000 for benchmarks/README.md ("Dashboard").

    python benchmarks/dashboard_screens.py STORE [--out benchmarks/img]

Serves ``STORE`` (e.g. the 100k store ``dashboard.py --workdir`` keeps) as ``make run``
does, and saves, in headless Debian chromium: the window once the map is drawn and
settled (map, live list, sidebar), and the timeline area scrolled into view. PNGs are
quantised to a palette by Pillow to stay small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from browser_utils import AppServer, launch_chromium, wait_for_map, wait_for_settled_map  # noqa: E402
from dashboard import timeline_box  # noqa: E402 (benchmarks/)


def save(png: bytes, path: Path) -> int:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "img")
    parser.add_argument("--prefix", default="dashboard-100k")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, AppServer(
            args.store, Path(tmp) / "app.log", startup_timeout=120) as app, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app.url, timeout=120_000)
        wait_for_map(page, lambda s: s["markers"] > 0, timeout=120)
        wait_for_settled_map(page, timeout=30)
        page.wait_for_timeout(1500)  # tiles and the list
        window = args.out / f"{args.prefix}-window.png"
        print(window, save(page.screenshot(), window))
        box = timeline_box(page)
        page.wait_for_timeout(500)
        clip = {"x": 0, "y": max(0, box["y"] - 120), "width": 1400,
                "height": min(1000 - max(0, box["y"] - 120), box["height"] + 260)}
        timeline = args.out / f"{args.prefix}-timeline.png"
        print(timeline, save(page.screenshot(clip=clip), timeline))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
