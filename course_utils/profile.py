"""Run profiles, seeds and the environment report printed by every notebook's setup cell."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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
    value = (profile or os.environ.get("COURSE_PROFILE") or DEFAULT_PROFILE).strip().lower()
    if value not in PROFILES:
        raise ValueError(
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
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TF's C++ info lines
    import keras
    import tensorflow as tf

    from .data.locations import cache_dir, data_dir

    profile_name = resolve_profile(profile)
    # Batches come from course_utils.to_dataset, already shuffled by tf.data: Keras'
    # reminder that fit(shuffle=True) does not apply to a Dataset is noise here.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed", category=UserWarning)
    keras.utils.set_random_seed(seed)
    gpus = tuple(d.name for d in tf.config.list_physical_devices("GPU"))
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
        print(environment_report(cfg, tf_version=tf.__version__, keras_version=keras.__version__))
        if profile_name == "full" and not gpus and full_cpu_minutes:
            print(
                f"\nNote: the full profile on this CPU takes about {full_cpu_minutes:g} min. "
                "For a quick run set COURSE_PROFILE=smoke (or pass profile='smoke' to setup)."
            )
    return cfg


def environment_report(cfg: CourseConfig, *, tf_version: str, keras_version: str) -> str:
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
    width = max(len(k) for k, _ in rows)
    lines = ["Deep Learning Architectures: environment"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    return "\n".join(lines)
