"""pyproject.toml and environment.yml ask for the same packages and ranges; README and CI agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_norm(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    have = {_norm(r) for r in pip_section if not r.startswith("-e")}
    assert have == wanted, f"only in environment.yml: {have - wanted}; only in pyproject: {wanted - have}"
    assert "python=3.11" in env["dependencies"]


def test_every_requirement_has_a_floor():
    """Floors (>=), not compatible-release ranges: Colab's older versions must stay allowed.
    Exact pins (==) only for tools that must match something outside pip (Playwright's driver)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for req in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "~=" not in req, f"{req}: give a floor (>=), not a compatible-release range"
        assert ">=" in req or "==" in req, f"{req}: give a floor (>=)"
    assert "playwright==1.65.2" in project["optional-dependencies"]["dev"]


def test_ci_installs_browser_and_colab_environment():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "chromium chromium-driver fonts-dejavu-core" in ci, ".ci/run installs Debian's Chromium"
    assert '-c .ci/colab-constraints.txt -e ".[dev,jax]"' in ci, ".ci/run builds the Colab-constraints environment"
    assert '-m "not browser"' in ci


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    match = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert match, "README.md must show the test command after <!-- test-command -->"
    command = match.group(1).strip()
    assert command in ci, f".ci/run must run the README's test command: {command}"


def test_readme_lists_the_lecture_decks():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Lecture decks", 1)
    assert len(section) == 2, "README.md needs a '## Lecture decks' section"
    for author in ("Sylla", "de Mareuil", "Jarne", "Sarno", "Bortolussi"):
        assert author in section[1].split("\n## ", 1)[0], f"README's deck list lacks {author}"


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{nb.name}" in readme, f"README.md does not list {nb.name}"


def test_readme_links_only_notebooks_that_exist():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\(notebooks/(?:solutions/)?[\w.-]+\.ipynb\)", readme))
    assert linked, "no notebook links found in README.md"
    missing = sorted(link[1:-1] for link in linked if not (ROOT / link[1:-1]).is_file())
    assert not missing, f"README.md links notebooks that do not exist: {missing}"
