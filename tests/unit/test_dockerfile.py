"""The image installs the project from the folders the Dockerfile copies, so a package
pyproject.toml ships but the Dockerfile forgets is missing from the image (the gateway
imported replay/ for weeks before the image had it). No Docker here: read both files."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_copies_every_package_the_project_ships():
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in shipped}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), flags=re.M))
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"
