"""The package installed from a wheel works outside the repository: data, CLI, page.

The wheel is built and installed without the network (``--no-build-isolation``,
``--no-deps``: the test environment already has the build backend and every dependency)
into a folder of its own, which comes first on ``PYTHONPATH``; every command then runs
from another folder, so nothing can come from the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(root / "dist"), str(REPO)], check=True, timeout=300)
    (wheel,) = (root / "dist").glob("conflict_map-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for data in ("geo/data/curated_places.csv", "geo/data/demonyms.csv",
                 "geo/data/basemap/countries.geojson", "geo/webapp/page.py"):
        assert data in names, f"{data} is not in the wheel"
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "app.py"))]
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(root / "site"), str(wheel)], check=True, timeout=300)
    env = dict(os.environ)
    env.update(PYTHONPATH=str(root / "site"), GEO_DATA_DIR=str(root / "userdata"))
    env.pop("GEO_STORE", None)
    work = root / "elsewhere"
    work.mkdir()
    return {"env": env, "cwd": str(work), "site": str(root / "site")}  # type: ignore[dict-item]


def geo(installed, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], input=stdin, text=True,
                          capture_output=True, env=installed["env"], cwd=installed["cwd"],
                          timeout=300)


def test_the_installed_package_is_the_one_used(installed):
    done = subprocess.run([sys.executable, "-c", "import geo; print(geo.__file__)"],
                          capture_output=True, text=True, env=installed["env"],
                          cwd=installed["cwd"], check=True)
    assert done.stdout.strip().startswith(installed["site"])


def test_geoparse_ingest_and_export_from_another_folder(installed):
    done = geo(installed, "geoparse", "--quiet",
               stdin=json.dumps({"id": 1, "text": "Shelling was reported in Raqqa."}) + "\n")
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert [t["name"] for t in record["toponyms"]] == ["Raqqa"]

    brief = Path(installed["cwd"]) / "brief.txt"
    brief.write_text("Drone strike in Syria\n2023-03-24\n\nOn March 23, a drone struck a "
                     "U.S. base near Hasakah, in northeastern Syria.\n", encoding="utf-8")
    done = geo(installed, "ingest", "brief.txt", "--quiet")
    assert done.returncode == 0, done.stderr
    assert (Path(installed["env"]["GEO_DATA_DIR"]) / "events.sqlite").is_file()
    done = geo(installed, "export", "-o", "out.geojson")
    assert done.returncode == 0, done.stderr
    features = json.loads((Path(installed["cwd"]) / "out.geojson").read_text())["features"]
    assert {f["properties"]["event_type"] for f in features} >= {"strike"}


def test_the_page_runs_from_the_installed_package(installed):
    page = Path(installed["site"]) / "geo" / "webapp" / "page.py"
    code = ("import geo\nfrom streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({str(page)!r}, default_timeout=120).run()\n"
            "print(geo.__file__)\nprint(bool(at.exception), at.title[0].value)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=installed["env"], cwd=installed["cwd"], timeout=300)
    assert done.returncode == 0, done.stderr
    where, result = done.stdout.strip().splitlines()[-2:]
    assert where.startswith(installed["site"]) and result == "False conflict-map"
    # The page installed Leaflet beside itself, where `geo serve` has Streamlit serve it.
    assert (page.parent / "static" / "leaflet" / "leaflet.js").is_file()
