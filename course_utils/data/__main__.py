"""Command line: pre-fetch datasets for an offline classroom, verify, list.

    python -m course_utils.data download --all        # into the cache
    python -m course_utils.data download mnist --to DIR
    python -m course_utils.data verify [--dir DIR]     # checksums and decoding
    python -m course_utils.data list
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CourseDataError
from .catalog import DATASETS
from .checksums import read_sums, sha256_of
from .download import download_into
from .loader import dataset_info, find_local, load_dataset
from .locations import cache_dir, data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dl = sub.add_parser("download", help="download datasets into the cache (or --to DIR)")
    dl.add_argument("names", nargs="*", help=f"any of: {', '.join(sorted(DATASETS))}")
    dl.add_argument("--all", action="store_true", help="every dataset of the course")
    dl.add_argument("--to", type=Path, help="target folder (default: the cache)")
    vf = sub.add_parser("verify", help="check checksums and decode every dataset found")
    vf.add_argument("--dir", type=Path, help="folder to check (default: COURSE_DATA_DIR or cache)")
    sub.add_parser("list", help="datasets, where each is found")
    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            names = sorted(DATASETS) if args.all else args.names
            if not names:
                parser.error("name datasets to download, or pass --all")
            target = (args.to or cache_dir()).resolve()
            for name in names:
                path = download_into(dataset_info(name), target)
                print(f"[OK] {name}: {path}")
            print(f"Done. To use this copy offline elsewhere: copy {target} and set "
                  "COURSE_DATA_DIR to it.")
        elif args.command == "verify":
            folder = args.dir or data_dir() or cache_dir()
            sums = read_sums(folder)
            for name, h in sorted(sums.items()):
                ok = (folder / name).is_file() and sha256_of(folder / name) == h
                print(f"[{'OK' if ok else 'FAIL'}] {folder / name}")
            import os
            os.environ["COURSE_DATA_DIR"] = str(folder)
            for name in sorted(DATASETS):
                if find_local(DATASETS[name]) is not None:
                    load_dataset(name)
        else:
            for name, info in sorted(DATASETS.items()):
                local = find_local(info)
                where = f"{local[0]} [{local[1]}]" if local else "not here (will download)"
                print(f"{name:14s} {info.title}: {where}")
    except CourseDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
