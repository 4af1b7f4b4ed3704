"""Where the project's files live, so every module resolves defaults the same way."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"  # runtime state (databases, Qdrant folder); git-ignored
