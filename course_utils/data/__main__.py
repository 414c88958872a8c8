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
from .loader import dataset_info, find_local, read_local
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
            folder = (args.dir or data_dir() or cache_dir()).resolve()
            failed = 0
            for name, expected in sorted(read_sums(folder).items()):
                if not (folder / name).is_file():
                    print(f"[--] missing {folder / name}")
                    continue
                ok = sha256_of(folder / name) == expected
                failed += not ok
                print(f"[{'OK' if ok else 'FAIL'}] sha256 {folder / name}")
            if failed:
                print(f"{failed} file(s) do not match {folder / 'SHA256SUMS'}: copy them again.",
                      file=sys.stderr)
                return 1
            for info in DATASETS.values():
                for filename in info.local_files:
                    if (folder / filename).is_file():
                        (x_train, _), (x_test, _) = read_local(folder / filename, info)[0]
                        print(f"[OK] {info.name}: {filename} decodes to "
                              f"{len(x_train):,} train / {len(x_test):,} test examples")
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
