"""Command line: prepare the course data for an offline classroom, verify it, list sources.

    python -m course_utils.data download --all --to DIR   # through TensorFlow Datasets
    python -m course_utils.data download mnist            # into the course cache
    python -m course_utils.data verify --dir DIR          # checksums and decoding
    python -m course_utils.data list                      # where each dataset is found

`download` needs internet (or a prepared TFDS folder in TFDS_DATA_DIR). DIR then holds
one `.npz` per dataset and a SHA256SUMS file: copy it to the classroom and set
COURSE_DATA_DIR to it there. The TFDS folder it used (TFDS_DATA_DIR, default
~/tensorflow_datasets) also works offline, as TFDS_DATA_DIR.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CourseDataError
from .catalog import DATASETS
from .checksums import SUMS_FILE, read_sums, sha256_of
from .loader import dataset_info, find_local
from .locations import DATA_DIR_ENV, TFDS_DIR_ENV, cache_dir, data_dir, tfds_data_dir
from .readers import read_aclimdb_tar, read_cifar_jpg_tar, read_npz
from .tfds_source import LOCAL_DEADLINE_S, download_deadline, network_problem, prepared_in, run_tfds


def download(names: list[str], target: Path) -> int:
    """Prepare `names` through tfds and write them into `target` (one child process)."""
    infos = [dataset_info(name) for name in names]
    tfds_dir = tfds_data_dir()
    missing = [info for info in infos if not prepared_in(info, tfds_dir)]
    if missing:
        reason = network_problem()
        if reason is not None:
            print(
                f"error: no network to download {', '.join(i.name for i in missing)} "
                f"({reason}). This command needs internet access to Google Cloud Storage "
                "(directly, or through the proxy named by https_proxy), or a prepared "
                f"TensorFlow Datasets folder in {TFDS_DIR_ENV}. Run it on a machine with "
                f"internet and copy the folder it writes here; then set {DATA_DIR_ENV} to it.",
                file=sys.stderr,
            )
            return 1
    deadline = download_deadline(missing) if missing else LOCAL_DEADLINE_S
    run_tfds(infos, tfds_dir, target, download=bool(missing), deadline=deadline)
    for info in infos:
        print(f"[OK] {info.name}: {target / info.local_files[0]}")
    print(f"Done. For an offline classroom copy {target} there and set "
          f"{DATA_DIR_ENV} to it (or copy {tfds_dir} and set {TFDS_DIR_ENV} to it).")
    return 0


def _decode(path: Path, name: str):
    info = DATASETS[name]
    if path.name.endswith(".npz"):
        return read_npz(path, info)
    reader = read_cifar_jpg_tar if info.name == "cifar10" else read_aclimdb_tar
    return reader(path, info)


def verify(folder: Path, *, ignore_missing: bool = False) -> int:
    """Check every SHA256SUMS line and decode every dataset file in `folder`."""
    if not folder.is_dir():
        print(f"error: {folder} is not a folder.", file=sys.stderr)
        return 1
    failed = checked = 0
    try:
        sums = read_sums(folder)
    except CourseDataError as exc:
        print(f"[FAIL] {exc}")
        sums, failed = {}, 1
    root = folder.resolve()
    for name, expected in sorted(sums.items()):
        path = folder / name
        if root not in path.resolve().parents:  # e.g. through a symbolic link
            print(f"[FAIL] {name} leads outside {folder}: not checked")
            failed += 1
        elif not path.is_file():
            print(f"[{'--' if ignore_missing else 'FAIL'}] missing {path} (listed in {SUMS_FILE})")
            failed += not ignore_missing
        elif sha256_of(path) == expected:
            print(f"[OK] sha256 {path}")
            checked += 1
        else:
            print(f"[FAIL] sha256 {path}")
            failed += 1
    for info in DATASETS.values():
        for filename in info.local_files:
            path = folder / filename
            if not path.is_file() or (filename in sums and sha256_of(path) != sums[filename]):
                continue
            try:
                (x_train, _), (x_test, _) = _decode(path, info.name)
            except CourseDataError as exc:
                print(f"[FAIL] {info.name}: {exc}")
                failed += 1
                continue
            checked += 1
            note = "" if filename in sums else f" (not in {SUMS_FILE}: no checksum)"
            print(f"[OK] {info.name}: {filename} decodes to {len(x_train):,} train / "
                  f"{len(x_test):,} test examples{note}")
    if failed:
        print(f"{failed} problem(s) in {folder}: copy the files marked FAIL again from the "
              "folder you were given, or prepare a new one with "
              "`python -m course_utils.data download --all --to DIR` where there is internet.",
              file=sys.stderr)
        return 1
    if not checked:
        print(f"error: nothing to verify in {folder}: no {SUMS_FILE} and none of the course's "
              f"data files ({', '.join(f for i in DATASETS.values() for f in i.local_files)}).",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dl = sub.add_parser("download", help="prepare datasets through TensorFlow Datasets")
    dl.add_argument("names", nargs="*", help=f"any of: {', '.join(sorted(DATASETS))}")
    dl.add_argument("--all", action="store_true", help="every dataset of the course")
    dl.add_argument("--to", type=Path, help="target folder (default: the course cache)")
    vf = sub.add_parser("verify", help="check checksums and decode every dataset found")
    vf.add_argument("--dir", type=Path, help="folder to check (default: COURSE_DATA_DIR or cache)")
    vf.add_argument("--ignore-missing", action="store_true",
                    help="do not fail for files listed in SHA256SUMS but absent")
    sub.add_parser("list", help="datasets, where each is found")
    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            names = sorted(DATASETS) if args.all else args.names
            if not names:
                parser.error("name datasets to download, or pass --all")
            return download(names, (args.to or cache_dir()).expanduser().resolve())
        if args.command == "verify":
            folder = (args.dir or data_dir() or cache_dir()).expanduser()
            return verify(folder, ignore_missing=args.ignore_missing)
        tfds_dir = tfds_data_dir()
        for name, info in sorted(DATASETS.items()):
            local = find_local(info)
            if local:
                where = f"{local[0]} [{local[1]}]"
            elif prepared_in(info, tfds_dir):
                where = f"{tfds_dir} [TFDS data dir]"
            else:
                where = "not here (downloads through TensorFlow Datasets)"
            print(f"{name:14s} {info.title}: {where}")
    except CourseDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
