"""The wheel as a package index would get it: built by ``uv build``, its files and metadata."""

from __future__ import annotations

import email
import email.message
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

import hedra_tui

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)\)")


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")  # `uv run` sets UV to its own path
    if not found:
        pytest.skip("uv is not installed")
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [_uv(), "build", "--wheel", "--quiet", "--out-dir", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_string(zf.read(name).decode("utf-8"))


def _repository() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["urls"]["Repository"]).rstrip("/")


def test_the_wheel_holds_the_package_and_its_license_but_no_test_data(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist_info = f"hedra_tui-{hedra_tui.__version__}.dist-info"
        assert {n.split("/")[0] for n in names} == {"hedra_tui", dist_info}
        assert not [n for n in names if n.endswith((".json", ".txt")) and "dist-info" not in n]
        assert not [n for n in names if "/spec/" in n or "tests/" in n]
        assert "hedra_tui/ui/app.tcss" in names  # the app's stylesheet is read at run time
        license_text = zf.read(f"{dist_info}/licenses/LICENSE").decode()
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
    assert license_text.startswith("MIT License")
    assert "hedra-tui = hedra_tui.cli:main" in entry_points


def test_the_metadata_names_the_version_license_authors_urls_and_classifiers(wheel):
    meta = _metadata(wheel)
    assert meta["Version"] == hedra_tui.__version__  # one place: hedra_tui/__init__.py
    assert meta["License-Expression"] == "MIT"
    assert meta["Author"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert urls["Repository"] == _repository()
    assert {"Issues", "Changelog"} <= set(urls)
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # the SPDX field says it


def test_the_index_description_links_images_and_anchors_absolutely_to_the_repository(wheel):
    meta = _metadata(wheel)
    assert meta["Description-Content-Type"] == "text/markdown"
    description = meta.get_payload()
    assert isinstance(description, str) and description.startswith("# hedra-tui")
    repo = _repository()
    owner_name = repo.removeprefix("https://github.com/")
    raw = f"https://raw.githubusercontent.com/{owner_name}/main/"
    links = MARKDOWN_LINK.findall(description)
    images = [target for bang, target in links if bang]
    assert len(images) >= 10
    for target in images:
        assert target.startswith(raw), target
        assert (ROOT / target.removeprefix(raw)).is_file(), target  # the file is in the repo
    for _, target in links:
        assert target.startswith(("https://", "http://")), target
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(MARKDOWN_LINK.findall(readme)) == len(links)  # nothing lost on the way
