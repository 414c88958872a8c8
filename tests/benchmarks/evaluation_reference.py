"""Benchmark: the reference cases of `course_utils.evaluation` (not a test). Prints, for each
case, the Fréchet distance, precision, recall, confident share and class shares against real
training images, as the mean and range over draws, and the classifier's cost.

    COURSE_DATA_DIR=../shared/data python tests/benchmarks/evaluation_reference.py
    COURSE_DATA_DIR=../shared/data python tests/benchmarks/evaluation_reference.py --dataset fashion_mnist --n 2000 --draws 3

Each draw takes new real test images (the cases are made from them), new training images as
the reference and new noise. The first run trains the classifier into the course cache
(COURSE_CACHE_DIR): run it once more to time a load from the cache. Run it alone: other jobs on
the machine skew the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402, F401 (imported before timing, as in a notebook)

from course_utils import evaluation  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=evaluation.DATASETS)
    parser.add_argument("--n", type=int, default=2000, help="samples per case and reference size")
    parser.add_argument("--draws", type=int, default=3)
    args = parser.parse_args()

    start, cpu = time.perf_counter(), time.process_time()
    classifier = evaluation.load_classifier(args.dataset)
    print(f"classifier: {classifier.source}; {time.perf_counter() - start:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU, test accuracy {classifier.test_accuracy:.4f}")
    evaluation._loaded.clear()  # as a second notebook would: read from the cache
    start, cpu = time.perf_counter(), time.process_time()
    classifier = evaluation.load_classifier(args.dataset, verbose=False)
    print(f"read again from the cache: {time.perf_counter() - start:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU")
    record = json.loads(evaluation.cache_paths(args.dataset)[1].read_text())
    print(f"cache record: trained in {record['train_seconds']} s wall, {record['train_cpu_seconds']} s "
          f"CPU; Keras {record['keras']}, "
          f"TensorFlow {record['tensorflow']}")

    rows: dict[str, list] = {}
    seconds = []
    for draw in range(args.draws):
        cases = evaluation.reference_cases(args.dataset, args.n, seed=draw)
        # two disjoint random halves of the training images: the reference, and other real
        # training digits (the sampling noise of the estimate alone)
        pool = evaluation.reference_images(args.dataset, 2 * args.n, seed=100 + draw)
        reference, cases["real train images"] = pool[0::2], pool[1::2]
        for name, images in cases.items():
            start = time.perf_counter()
            report = evaluation.evaluate_samples(images, reference=reference, classifier=classifier)
            seconds.append(time.perf_counter() - start)
            rows.setdefault(name, []).append(report)

    print(f"\n{args.dataset}: {args.n:,} images per case against {args.n:,} training images, "
          f"{args.draws} draws: mean [min, max]")
    print(f"{'case':<22} {'Fréchet distance':>24} {'precision':>18} {'recall':>18} "
          f"{'confident':>18} {'class shares':>14}")

    def cell(values, fmt):
        return f"{format(sum(values) / len(values), fmt)} [{format(min(values), fmt)}, {format(max(values), fmt)}]"

    for name, reports in rows.items():
        low = min(r.class_shares.min() for r in reports)
        high = max(r.class_shares.max() for r in reports)
        print(f"{name:<22} {cell([r.frechet for r in reports], '.2f'):>24} "
              f"{cell([r.precision for r in reports], '.3f'):>18} "
              f"{cell([r.recall for r in reports], '.3f'):>18} "
              f"{cell([r.confident for r in reports], '.3f'):>18} "
              f"{low:>6.1%}-{high:.1%}")
    base = [r.frechet for r in rows["real test images"]]
    noise = [r.frechet for r in rows["real train images"]]
    print(f"\nreal test / real train (another draw): {min(a / b for a, b in zip(base, noise)):.1f}"
          f"-{max(a / b for a, b in zip(base, noise)):.1f}")
    blur = [r.frechet for r in rows["blurred, sigma 1"]]
    print(f"blurred sigma 1 / real test: {min(b / a for a, b in zip(base, blur)):.1f}"
          f"-{max(b / a for a, b in zip(base, blur)):.1f} times the distance")
    print(f"evaluate_samples: {sum(seconds) / len(seconds):.2f} s per call "
          f"({args.n:,} samples + {args.n:,} reference images)")


if __name__ == "__main__":
    main()
