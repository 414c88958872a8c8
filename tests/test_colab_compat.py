"""The course works on Colab's published stack, and every Colab link derives from one constant.

- .ci/colab-constraints.txt pins Colab's versions (copied from .ci/colab-pip-freeze.txt, Colab's
  published package list), and pyproject.toml's floors admit every one of those pins.
- Colab installs course_utils with `pip install --no-deps`, so every package the course imports
  (course_utils and the notebooks) or declares as a run-time dependency must be on Colab's
  list or be installed by the notebooks' Colab setup cell.
- Every "Open in Colab" badge and every Colab install line names course_utils._meta.REPO.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from course_utils._meta import BRANCH, REPO, REPO_URL

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / ".ci" / "colab-constraints.txt"
PUBLISHED = ROOT / ".ci" / "colab-pip-freeze.txt"
#: Colab's headline versions (August 2026); CI's second environment must get exactly these.
COLAB_STACK = {
    "tensorflow": "2.20.0", "keras": "3.13.2", "numpy": "2.1.3", "matplotlib": "3.10.0",
    "pillow": "11.3.0", "scikit-learn": "1.6.1", "tensorflow-datasets": "4.9.10",
    "ipython": "7.34.0", "ipykernel": "6.17.1",
}
#: The oldest stack the course supports: Colab's 2025.10 runtime.
FLOOR_STACK = {"tensorflow": "2.19.0", "keras": "3.10.0", "numpy": "2.0.2"}
#: Run-time dependencies Colab does not need: it has its own notebook front end.
NOT_NEEDED_ON_COLAB = {"jupyterlab"}
#: Run-time dependencies that only some notebooks use (e.g. a data file a package ships): only
#: those notebooks' Colab setup cells must install them (notebook names, solution and student).
ONLY_FOR = {"pvlib": {"13_time_series_forecasting.ipynb"},
            "mtcnn": {"18_object_detection_part2.ipynb"}}
#: Imports that name no PyPI package to install on Colab.
NOT_PACKAGES = {"course_utils", "google", "tests", "IPython"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _published_names() -> set[str]:
    names = set()
    for line in PUBLISHED.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(_norm(re.split(r"[=<>@ ]", line, maxsplit=1)[0]))
    return names


def _requirements(extra: bool = True) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + (project["optional-dependencies"]["dev"] if extra else [])
    return [Requirement(r) for r in reqs]


def _notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _setup_cells() -> dict[Path, str]:
    cells = {}
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code" and "course_utils.setup(" in c.source]
        cells[path] = code[0] if code else ""
    return cells


def _installed_by(setup_source: str, dist: str) -> bool:
    """True when the setup cell's pip install names the distribution (any spelling of - _ .)."""
    pattern = re.sub(r"-", "[-_.]", re.escape(dist).replace(r"\-", "-"))
    return re.search(rf"[\"'\s]{pattern}\s*([<>=~!\"']|$)", setup_source, re.I | re.M) is not None


def _top_level_imports(source: str) -> set[str]:
    # Notebook cells may hold IPython magics and shell lines: drop them before parsing.
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def course_imports() -> dict[str, set[str]]:
    """Top-level modules imported by course_utils and the notebooks -> the files importing them."""
    found: dict[str, set[str]] = {}
    sources = [(p, p.read_text()) for p in sorted((ROOT / "course_utils").rglob("*.py"))]
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        sources += [(path, c.source) for c in nb.cells if c.cell_type == "code"]
    for path, source in sources:
        for name in _top_level_imports(source):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


# --------------------------------------------------------------------------- pins and floors


def test_constraints_pin_colab_published_versions():
    pins, published = _pins(CONSTRAINTS), _pins(PUBLISHED)
    differ = {n: (v, published.get(n)) for n, v in pins.items() if published.get(n) != v}
    assert not differ, f"pins that are not Colab's published version (pin, published): {differ}"
    for name, version in COLAB_STACK.items():
        assert pins.get(name) == version, f"{CONSTRAINTS.name} must pin {name}=={version}"


def test_floors_admit_every_colab_pin():
    pins = _pins(CONSTRAINTS)
    rejected = [f"{req} rejects {pins[_norm(req.name)]}" for req in _requirements()
                if _norm(req.name) in pins and not req.specifier.contains(pins[_norm(req.name)], prereleases=True)]
    assert not rejected, "pyproject.toml excludes Colab's versions: " + "; ".join(rejected)


def test_floors_admit_the_oldest_supported_stack():
    reqs = {_norm(r.name): r for r in _requirements()}
    for name, version in FLOOR_STACK.items():
        assert reqs[name].specifier.contains(version), f"{reqs[name]} must admit {version} (Colab 2025.10)"
        assert any(s.operator == ">=" for s in reqs[name].specifier), f"{reqs[name]}: give a floor (>=)"


def test_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11", "Keras 3.13 declares Python >= 3.11"


# --------------------------------------------------------------------------- what Colab lacks


def test_runtime_dependencies_are_on_colab_or_installed_by_the_setup_cell():
    published = _published_names()
    missing = sorted(_norm(r.name) for r in _requirements(extra=False)
                     if _norm(r.name) not in published and r.name not in NOT_NEEDED_ON_COLAB)
    problems = [f"{path.relative_to(ROOT)}: its Colab setup cell must pip install {dist}"
                for path, src in _setup_cells().items() for dist in missing
                if path.name in ONLY_FOR.get(dist, {path.name}) and not _installed_by(src, dist)]
    assert not problems, ("Colab's published list lacks run-time dependencies and Colab installs "
                          "course_utils with --no-deps:\n" + "\n".join(problems))


def test_course_imports_are_on_colab_or_installed_by_the_setup_cell():
    published = _published_names()
    to_dists = importlib.metadata.packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    setup = _setup_cells()
    problems, unknown = [], []
    for module, files in sorted(course_imports().items()):
        if module in stdlib or module in NOT_PACKAGES:
            continue
        dists = {_norm(d) for d in to_dists.get(module, [])}
        if not dists:
            unknown.append(f"{module} (imported by {sorted(files)})")
            continue
        if dists & published:
            continue
        in_package = any(f.startswith("course_utils") for f in files)
        for path, src in setup.items():
            # a notebook installs what it imports itself, and what course_utils imports unless
            # ONLY_FOR names the notebooks that need it
            needs = (str(path.relative_to(ROOT)) in files
                     or (in_package and any(path.name in ONLY_FOR.get(d, {path.name}) for d in dists)))
            if needs and not any(_installed_by(src, d) for d in dists):
                problems.append(f"{path.relative_to(ROOT)}: Colab lacks {'/'.join(sorted(dists))} "
                                f"(import {module}, in {sorted(files)[0]}): pip install it in the setup cell")
    assert not unknown, f"imports of no installed package: {unknown}"
    assert not problems, "\n".join(problems)


def test_import_scan_finds_the_course_stack():
    """The scan above is not vacuous: it sees the packages every lesson uses."""
    found = course_imports()
    for module in ("numpy", "tensorflow", "keras", "matplotlib"):
        assert module in found, f"no import of {module} found in course_utils/ or notebooks/"


def test_installed_by_reads_pip_lines():
    src = 'subprocess.run([sys.executable, "-m", "pip", "install", "-q", "importlib_resources>=6.5",\n "vega-datasets"])'
    assert _installed_by(src, "importlib-resources") and _installed_by(src, "vega-datasets")
    assert not _installed_by(src, "threadpoolctl")
    assert not _installed_by('# importlib-resources-free', "importlib-resources")


# --------------------------------------------------------------------------- one constant


COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^)\s\"'>]+")
INSTALL_LINK = re.compile(r"git\+https://github\.com/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+")


def test_repo_constant_is_owner_slash_name():
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", REPO), REPO
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Repository"] == REPO_URL, "pyproject.toml's Repository URL must be REPO_URL"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_badges_and_install_line_derive_from_repo(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    prefix = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/"
    badges = COLAB_LINK.findall(text)
    assert badges, f"{path.name}: no Open in Colab badge"
    for url in badges:
        assert url.startswith(prefix), f"{path.name}: badge {url} does not start with {prefix} (REPO/BRANCH)"
        assert (ROOT / url[len(prefix):]).is_file(), f"{path.name}: badge {url} names no notebook of the course"
    installs = INSTALL_LINK.findall(text)
    assert installs, f"{path.name}: no Colab install line (git+{REPO_URL})"
    assert set(installs) == {f"git+{REPO_URL}"}, f"{path.name}: install line {installs} is not git+{REPO_URL}"


def test_readme_colab_links_derive_from_repo():
    text = (ROOT / "README.md").read_text()
    for url in COLAB_LINK.findall(text):
        assert url.startswith(f"https://colab.research.google.com/github/{REPO}/"), url
    for url in INSTALL_LINK.findall(text):
        assert url == f"git+{REPO_URL}", url
    assert "_meta.py" in text and "REPO" in text, "README says how a fork changes the REPO constant"


def test_colab_versions_are_what_ci_installs():
    """In CI's Colab environment (CI_COLAB=1) the installed versions are exactly the pins."""
    import os

    if os.environ.get("CI_COLAB") != "1":
        pytest.skip("only in CI's Colab-constraints environment (CI_COLAB=1)")
    for name, version in COLAB_STACK.items():
        assert Version(importlib.metadata.version(name)) == Version(version), name
