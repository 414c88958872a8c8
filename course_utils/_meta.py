"""Facts about the course defined in one place (badges, Colab install line, lint tests)."""

from __future__ import annotations

#: GitHub "owner/name" of the course repository. Forks change this one line
#: (and run `python -m course_utils.notebook_outputs badges` to rewrite the badges).
REPO = "dla-course/deep-learning-architectures"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"


def colab_url(notebook_path: str) -> str:
    """The "Open in Colab" URL of a notebook given its path in the repository."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook_path}"
