"""Run profiles, seeds and the environment report printed by every notebook's setup cell."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .errors import CourseTypeError, CourseValueError

PROFILES = ("smoke", "full")
DEFAULT_PROFILE = "full"
DEFAULT_SEED = 42

T = TypeVar("T")

_current: "CourseConfig | None" = None


@dataclass(frozen=True)
class CourseConfig:
    """What a notebook needs to know about this run.

    Profiles change sizes, never code paths: a notebook asks
    `cfg.pick(smoke=..., full=...)` for every size it uses.
    """

    profile: str
    seed: int
    data_dir: Path | None
    cache_dir: Path
    in_colab: bool
    gpus: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_smoke(self) -> bool:
        return self.profile == "smoke"

    def pick(self, *, smoke: T, full: T) -> T:
        """Return the value for the current profile (`smoke` or `full`)."""
        return smoke if self.profile == "smoke" else full


def resolve_profile(profile: str | None = None) -> str:
    """The profile to use: the argument, else `COURSE_PROFILE`, else `full`."""
    if profile is not None and not isinstance(profile, str):
        raise CourseTypeError(f"profile must be 'smoke' or 'full', not {profile!r}")
    value = (profile or os.environ.get("COURSE_PROFILE") or DEFAULT_PROFILE).strip().lower()
    if value not in PROFILES:
        raise CourseValueError(
            f"Unknown run profile {value!r}. Use one of {', '.join(PROFILES)} "
            "(set COURSE_PROFILE=smoke for a quick run, full for real accuracy)."
        )
    return value


def current_config() -> CourseConfig:
    """The config made by the last `setup()` call (a default one if none ran)."""
    global _current
    if _current is None:
        from .data.locations import cache_dir, data_dir

        _current = CourseConfig(
            profile=resolve_profile(),
            seed=DEFAULT_SEED,
            data_dir=data_dir(),
            cache_dir=cache_dir(),
            in_colab="google.colab" in sys.modules,
        )
    return _current


def setup(
    seed: int = DEFAULT_SEED,
    profile: str | None = None,
    *,
    full_cpu_minutes: float | None = None,
    verbose: bool = True,
) -> CourseConfig:
    """Seed everything, read the run profile and print a short environment report.

    Args:
        seed: seed for Python, NumPy and TensorFlow (`keras.utils.set_random_seed`).
        profile: `"smoke"` or `"full"`; default: `COURSE_PROFILE`, else `"full"`.
        full_cpu_minutes: how long the notebook takes in the full profile on a
            2-core CPU; printed as a warning when that is what is running.
        verbose: print the report.

    Returns:
        The run's `CourseConfig`.
    """
    global _current
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CourseTypeError(f"seed must be a whole number >= 0, e.g. setup(seed=42), not {seed!r}")
    if full_cpu_minutes is not None and (isinstance(full_cpu_minutes, bool)
                                         or not isinstance(full_cpu_minutes, (int, float))
                                         or full_cpu_minutes <= 0):
        raise CourseValueError("full_cpu_minutes must be a positive number of minutes, "
                               f"not {full_cpu_minutes!r}")
    profile_name = resolve_profile(profile)
    seed = resolve_seed(seed)
    blas_threads = limit_blas_threads()
    tf, keras, gpus, tf_log = import_tensorflow_quietly()
    from .data.locations import cache_dir, data_dir

    # Batches come from course_utils.to_dataset, already shuffled by tf.data: Keras'
    # reminder that fit(shuffle=True) does not apply to a Dataset is noise here.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed", category=UserWarning)
    keras.utils.set_random_seed(seed)
    cfg = CourseConfig(
        profile=profile_name,
        seed=seed,
        data_dir=data_dir(),
        cache_dir=cache_dir(),
        in_colab="google.colab" in sys.modules,
        gpus=gpus,
    )
    _current = cfg
    if verbose:
        print(environment_report(cfg, tf_version=tf.__version__, keras_version=keras.__version__,
                                 blas_threads=blas_threads))
        if cfg.in_colab and not gpus:
            print("\nNo GPU in this Colab runtime: the full profile will be slow. Choose "
                  "Runtime > Change runtime type > a GPU (e.g. T4), then run the notebook again.")
            if tf_log.strip():
                print("TensorFlow said while looking for a GPU:\n" + _tail(tf_log))
        if profile_name == "full" and not gpus and full_cpu_minutes:
            print(
                f"\nNote: the full profile on this CPU takes about {full_cpu_minutes:g} min. "
                "For a quick run set COURSE_PROFILE=smoke (or pass profile='smoke' to setup)."
            )
    return cfg


def resolve_seed(seed: int) -> int:
    """The notebook's seed, unless `COURSE_SEED` overrides it (used by
    tests/benchmarks/metric_bands.py to measure run-to-run spread over seeds)."""
    value = os.environ.get("COURSE_SEED", "").strip()
    if not value:
        return seed
    try:
        return int(value)
    except ValueError:
        raise CourseValueError(f"COURSE_SEED={value!r} is not an integer; unset it or give a "
                         "whole number.") from None


def limit_blas_threads(threads: int = 1) -> int | None:
    """Limit NumPy's BLAS (OpenBLAS/MKL) to `threads` threads; return the limit, or None.

    The notebooks' NumPy work is small: BLAS threads only compete with TensorFlow's own
    threads for the cores (under load they made NumPy cells several times slower)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn depends on threadpoolctl; without it, no limit
        return None
    threadpool_limits(limits=threads, user_api="blas")
    return threads


def import_tensorflow_quietly():
    """Import TensorFlow and Keras and list the GPUs with file descriptor 2 captured.

    TensorFlow writes its CUDA-probe and absl lines straight to fd 2 at import and at device
    discovery, even with TF_CPP_MIN_LOG_LEVEL=3; students would see them as red noise.
    Returns (tf, keras, gpu names, the captured text). If the import fails, the captured
    text is printed before the error is raised again."""
    import contextlib
    import io
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TF's C++ info lines
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(2)
    captured = io.StringIO()
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            os.dup2(tmp.fileno(), 2)
            with contextlib.redirect_stderr(captured):
                import tensorflow as tf
                import keras

                gpus = tuple(d.name for d in tf.config.list_physical_devices("GPU"))
        except BaseException:
            os.dup2(saved, 2)
            tmp.seek(0)
            sys.stderr.write(tmp.read().decode(errors="replace") + captured.getvalue())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace") + captured.getvalue()
    return tf, keras, gpus, text


def _tail(text: str, lines: int = 10) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def environment_report(cfg: CourseConfig, *, tf_version: str, keras_version: str,
                       blas_threads: int | None = None) -> str:
    """The report `setup()` prints, as text."""
    if cfg.gpus:
        device = f"GPU x{len(cfg.gpus)} ({', '.join(cfg.gpus)})"
    else:
        device = f"CPU only ({os.cpu_count()} cores)"
    if cfg.data_dir is not None:
        data = f"COURSE_DATA_DIR={cfg.data_dir} (offline copy), cache {cfg.cache_dir}"
    else:
        data = f"cache {cfg.cache_dir}, downloads what is missing"
    rows: list[tuple[str, Any]] = [
        ("Python", platform.python_version()),
        ("TensorFlow", tf_version),
        ("Keras", keras_version),
        ("Device", device),
        ("Colab", "yes" if cfg.in_colab else "no"),
        ("Profile", f"{cfg.profile} (COURSE_PROFILE; smoke = quick check, full = real accuracy)"),
        ("Data", data),
        ("Seed", cfg.seed),
    ]
    if blas_threads is not None:
        rows.append(("NumPy BLAS", f"{blas_threads} thread (TensorFlow keeps its own threads)"))
    width = max(len(k) for k, _ in rows)
    lines = ["Deep Learning Architectures: environment"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines)
