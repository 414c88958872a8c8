"""Child process of the TFDS source: prepare datasets with TensorFlow Datasets and write
them as course `.npz` files. Run by `tfds_source.run_tfds`, which kills it at a deadline
(a stalled network inside TensorFlow cannot be interrupted from Python).

    python -m course_utils.data.tfds_child '{"names": [...], "tfds_dir": ..., "out_dir": ...,
                                            "download": true}'
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ERROR_MARK = "COURSE_TFDS_ERROR: "


def _arrays_from_tfds(info, tfds_dir: Path, download: bool):
    import numpy as np
    import tensorflow_datasets as tfds

    from ..errors import CourseDataError

    builder = tfds.builder(info.tfds_name, data_dir=str(tfds_dir))
    if not builder.is_prepared():
        if not download:
            raise CourseDataError(f"{info.tfds_name} is not prepared in {tfds_dir}")
        builder.download_and_prepare()  # GCS copy where there is one (try_download_gcs)
    train, test = tfds.as_numpy(builder.as_dataset(
        split=["train", "test"], batch_size=-1, as_supervised=True, shuffle_files=False))
    out = []
    for x, y in (train, test):
        if info.kind == "text":
            x = np.array([t.decode("utf-8", "replace") for t in x], dtype=object)
        elif x.ndim == 4 and x.shape[-1] == 1 and info.name != "cifar10":
            x = x[..., 0]
        out.append((x, y))
    return tuple(out)


def main(spec: dict) -> int:
    from .atomic import ensure_dir, save_npz_atomic
    from .catalog import DATASETS
    from .checksums import record_sum, sha256_of
    from .readers import check_arrays, to_payload

    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()
    tfds_dir, out_dir = Path(spec["tfds_dir"]), Path(spec["out_dir"])
    ensure_dir(out_dir, out_dir)
    for name in spec["names"]:
        info = DATASETS[name]
        arrays = _arrays_from_tfds(info, tfds_dir, bool(spec["download"]))
        arrays = check_arrays(arrays, info, f"TFDS {info.tfds_name} in {tfds_dir}")
        target = out_dir / info.local_files[0]
        save_npz_atomic(target, to_payload(arrays, info))
        record_sum(out_dir, target.name, sha256_of(target))
        print(f"[OK] {name}: {target}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        sys.exit(main(json.loads(sys.argv[1])))
    except Exception as exc:  # reported to the parent, which raises CourseDataError
        message = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        print(ERROR_MARK + message[:600], file=sys.stderr, flush=True)
        sys.exit(2)
