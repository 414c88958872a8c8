"""Maintain the committed-outputs policy of the course notebooks.

Policy: only code cells tagged `nbval-check-output` (cell metadata, which nbval reads; a
student sees no marker in the code) keep stored outputs and their execution count (nbval
compares them on every test run); every other cell is committed without outputs or
execution count. In JupyterLab, add or remove the tag in the right sidebar's property
inspector (Common Tools > Cell Tags).

    python -m course_utils.notebook_outputs refresh notebooks/solutions/04_mnist_dense_network.ipynb
        execute a solution notebook in the smoke profile, store the checked cells' outputs,
        strip the rest, then regenerate its student copy (course_utils.student_copies)
    python -m course_utils.notebook_outputs strip notebooks/*.ipynb
        strip non-checked outputs without executing
    python -m course_utils.notebook_outputs badges notebooks/*.ipynb notebooks/solutions/*.ipynb
        rewrite the Open-in-Colab links and the Colab install line from course_utils._meta.REPO
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .notebook_policy import BADGE_RE, CHECK_TAG, INSTALL_RE, clean, is_checked  # noqa: F401


def refresh(path: Path, timeout: int = 600) -> None:
    """Execute `path` in the smoke profile and store only the checked cells' outputs."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["COURSE_PROFILE"] = "smoke"
    os.environ.pop("COURSE_STRICT", None)
    nb = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    client = NotebookClient(executed, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    clean(nb, executed)
    nbformat.write(nb, path)
    checked = sum(is_checked(c) for c in nb.cells)
    print(f"refreshed {path}: {checked} checked cell(s) stored")
    if path.resolve().parent.name == "solutions":
        from .student_copies import sync

        sync([path], check=False)


def main(argv: list[str] | None = None) -> int:
    import nbformat

    from ._meta import COLAB_INSTALL, colab_url

    parser = argparse.ArgumentParser(prog="python -m course_utils.notebook_outputs",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("refresh", "strip", "badges"))
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.command == "refresh":
            refresh(path)
            continue
        nb = nbformat.read(path, as_version=4)
        if args.command == "strip":
            clean(nb)
        else:
            folder = "notebooks/solutions" if path.resolve().parent.name == "solutions" else "notebooks"
            url = colab_url(f"{folder}/{path.name}")
            for cell in nb.cells:
                if cell.cell_type == "markdown":
                    cell.source = BADGE_RE.sub(url, cell.source)
                elif cell.cell_type == "code":
                    cell.source = INSTALL_RE.sub(COLAB_INSTALL, cell.source)
        nbformat.write(nb, path)
        print(f"{args.command}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
