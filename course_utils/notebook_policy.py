"""What a committed notebook holds: stored outputs only in the code cells tagged
`nbval-check-output` (nbval compares them), nothing in any other cell; and the
Open-in-Colab links. Used by `notebook_outputs` (refresh, strip, badges) and
`student_copies` (which applies the same policy to the copies it writes).
"""

from __future__ import annotations

import re

CHECK_TAG = "nbval-check-output"
BADGE_RE = re.compile(r"https://colab\.research\.google\.com/github/[^)\s]+\.ipynb")
INSTALL_RE = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+")


def is_checked(cell) -> bool:
    """True for a code cell whose output nbval compares (tagged `nbval-check-output`)."""
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and isinstance(tags, list) and CHECK_TAG in tags


def clean(nb, executed=None) -> None:
    """Apply the policy in place; with `executed`, take checked cells' outputs from it
    (stderr streams dropped: under pytest the kernel does not capture TF's log lines)."""
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if is_checked(cell):
            # nbval compares stored outputs only of cells that carry an execution count.
            if executed is not None:
                cell.outputs = [o for o in executed.cells[i].outputs
                                if not (o.output_type == "stream" and o.name == "stderr")]
                cell.execution_count = executed.cells[i].execution_count
        else:
            cell.execution_count = None
            cell.outputs = []
