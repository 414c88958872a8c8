"""Benchmark: run a notebook with several seeds and print the spread of every metric it
checks, so that each band of `check_metric` / `check_band` can be re-derived (not a test).

    python tests/benchmarks/metric_bands.py notebooks/solutions/04_mnist_dense_network.ipynb --seeds 5
    COURSE_PROFILE=full python tests/benchmarks/metric_bands.py notebooks/solutions/04_*.ipynb --seeds 3
    COURSE_PROFILE=full python tests/benchmarks/metric_bands.py NB --seeds 1 --keep-going --save-dir /tmp/runs

`--keep-going` runs every cell even after one fails (a band missed in a long full run still
gives the later metrics and the whole run time); `--save-dir` writes each executed notebook
there, outputs included, to read its printed tables afterwards; `--record` appends the table,
dated, with the profile, seeds and data, to the notebook's band file in
tests/benchmarks/bands/ (where the maintainers keep each band's provenance).

Each run sets COURSE_SEED (setup() then uses it instead of the notebook's seed) and reads
the `[OK] name = value` lines of check_metric and the `[PASS] what: value in [...]` lines
of experiment checkers. Run it alone: other jobs on the machine skew the timings.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

METRIC_RE = re.compile(r"^\[(?:OK|FAIL)\] (?P<name>.+?) = (?P<value>-?[\d.]+(?:e-?\d+)?), expected")
BAND_RE = re.compile(r"^\[(?:PASS|FAIL)\] (?P<name>.+?): (?:measured )?(?P<value>-?[\d.]+(?:e-?\d+)?),? "
                     r"(?:in|expected in) \[")


def metrics_of(nb) -> dict[str, float]:
    """Metric name -> value, from the outputs of an executed notebook."""
    found: dict[str, float] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            if out.get("output_type") == "error":
                text = "\n".join(out.get("traceback", []))
            for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines():
                m = METRIC_RE.match(line.strip()) or BAND_RE.match(line.strip())
                if m:
                    found[m["name"]] = float(m["value"])
    return found


def run(path: Path, seed: int, keep_going: bool = False,
        save_dir: Path | None = None) -> tuple[dict[str, float], float, str | None]:
    os.environ["COURSE_SEED"] = str(seed)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    try:
        NotebookClient(nb, timeout=4 * 3600, kernel_name="python3", allow_errors=keep_going,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as exc:  # noqa: BLE001 - a failing band is a result too
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # name each failing cell and its error, not only the exception type
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = cell.source.splitlines()[0] if cell.source else ""
                error = (error or "cells failed") + (
                    f"\n    in the cell starting {first[:70]!r}: {out['ename']}: {out['evalue'][:300]}")
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save_dir / f"{path.stem}.seed{seed}.ipynb")
    return metrics_of(nb), elapsed, error


BANDS_DIR = Path(__file__).resolve().parent / "bands"


def record(path: Path, seeds: list[int], values: dict[str, list[float]], times: list[float],
           folder: Path = BANDS_DIR) -> Path:
    """Append this run's table to the notebook's band file (created if missing)."""
    target = folder / f"{path.stem}.md"
    data = os.environ.get("COURSE_DATA_DIR") or "downloaded datasets (no COURSE_DATA_DIR)"
    lines = [] if target.is_file() else [f"# {path.stem}: bands", ""]
    lines += [f"## {datetime.date.today().isoformat()}, {os.environ['COURSE_PROFILE']} profile, "
              f"seeds {', '.join(map(str, seeds))} (metric_bands.py)", "",
              f"Data: {'offline copy ' if os.environ.get('COURSE_DATA_DIR') else ''}{data}; "
              f"{len(times)} runs of {min(times):.0f}-{max(times):.0f} s.", "",
              "| metric | n | min | mean | max | per seed |", "| --- | --- | --- | --- | --- | --- |"]
    for name, vals in values.items():
        lines.append(f"| {name.replace('|', '/')} | {len(vals)} | {min(vals):.4f} | "
                     f"{statistics.mean(vals):.4f} | {max(vals):.4f} | "
                     f"{', '.join(f'{v:.4f}' for v in vals)} |")
    folder.mkdir(parents=True, exist_ok=True)
    separator = "\n" if target.is_file() and target.stat().st_size else ""
    with open(target, "a", encoding="utf-8") as f:
        f.write(separator + "\n".join(lines) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--keep-going", action="store_true",
                        help="run the cells after a failing one (allow_errors)")
    parser.add_argument("--save-dir", type=Path, help="write the executed notebooks here")
    parser.add_argument("--record", action="store_true",
                        help="append the table to tests/benchmarks/bands/<notebook>.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("COURSE_PROFILE", "smoke")
    os.environ.pop("COURSE_STRICT", None)
    print(f"profile {os.environ['COURSE_PROFILE']}, COURSE_DATA_DIR={os.environ.get('COURSE_DATA_DIR')}")
    for path in args.notebooks:
        values: dict[str, list[float]] = {}
        times = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            found, elapsed, error = run(path, seed, args.keep_going, args.save_dir)
            times.append(elapsed)
            print(f"  {path.name} seed {seed}: {elapsed:.1f} s"
                  + (f"  ERROR {error}" if error else ""), flush=True)
            for name, value in found.items():
                values.setdefault(name, []).append(value)
        print(f"{path.name}: {len(times)} runs, {min(times):.1f}-{max(times):.1f} s")
        width = max((len(n) for n in values), default=10)
        print(f"  {'metric':<{width}}  {'n':>2}  {'min':>8}  {'mean':>8}  {'max':>8}  {'sd':>7}")
        for name, vals in values.items():
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            print(f"  {name:<{width}}  {len(vals):>2}  {min(vals):8.4f}  "
                  f"{statistics.mean(vals):8.4f}  {max(vals):8.4f}  {sd:7.4f}")
        if args.record:
            seeds = list(range(args.first_seed, args.first_seed + args.seeds))
            print(f"  recorded in {record(path, seeds, values, times)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
