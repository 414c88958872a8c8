"""Facts about the course defined in one place (badges, Colab install line, lint tests)."""

from __future__ import annotations

#: GitHub "owner/name" of the course repository: the one place that names it. Every notebook's
#: Open-in-Colab badge and Colab install line derive from it (tests/test_colab_compat.py checks).
#: Nothing is published there yet: the badges work once the course is pushed to that address.
#: A fork changes this one line, then rewrites the links (README, "Set up and open the course").
REPO = "dla-course/deep-learning-architectures"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"
#: What the notebooks' Colab setup cell gives to `pip install --no-deps`.
COLAB_INSTALL = f"git+{REPO_URL}"


def colab_url(notebook_path: str) -> str:
    """The "Open in Colab" URL of a notebook given its path in the repository."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook_path}"
