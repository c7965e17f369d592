"""Git facts read straight from the .git directory (no subprocess: init stays fast)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

__all__ = ["GitInfo", "find_repo", "mask_url"]


class GitInfo(NamedTuple):
    root: Path
    remote: str | None
    commit: str | None
    branch: str | None

    @property
    def name(self) -> str:
        """The repository's name: the origin remote's last path part, else the folder's."""
        if self.remote:
            tail = re.split(r"[/:]", self.remote.rstrip("/"))[-1]
            tail = tail[:-4] if tail.endswith(".git") else tail
            if tail:
                return tail
        return self.root.name


def mask_url(url: str) -> str:
    """Hide credentials embedded in a remote URL (https://user:token@host/...)."""
    return re.sub(r"(?<=://)[^/@]+@", "***@", url)


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # worktrees and submodules: "gitdir: <path>"
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:") :].strip())
            return target if target.is_absolute() else (root / target).resolve()
    return None


def _read_ref(git_dir: Path, ref: str) -> str | None:
    for base in (git_dir, _common_dir(git_dir)):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    return None


def _common_dir(git_dir: Path) -> Path:
    common = git_dir / "commondir"
    if common.is_file():
        return (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
    return git_dir


def find_repo(start: Path) -> GitInfo | None:
    """The git repository containing ``start``, or None. Never raises."""
    try:
        start = Path(start).resolve()
        for root in (start, *start.parents):
            git_dir = _git_dir(root)
            if git_dir is not None:
                return _describe(root, git_dir)
    except (OSError, ValueError):
        return None
    return None


def _describe(root: Path, git_dir: Path) -> GitInfo:
    head = (git_dir / "HEAD").read_text(encoding="utf-8").strip() if (git_dir / "HEAD").is_file() else ""
    branch = commit = None
    if head.startswith("ref:"):
        ref = head[4:].strip()
        branch = ref.removeprefix("refs/heads/")
        commit = _read_ref(git_dir, ref)
    elif head:
        commit = head
    import configparser

    remote = None
    config_path = _common_dir(git_dir) / "config"
    if config_path.is_file():
        config = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            config.read(config_path, encoding="utf-8")
            remote = config.get('remote "origin"', "url", fallback=None)
        except configparser.Error:
            remote = None
    return GitInfo(root=root, remote=mask_url(remote) if remote else None, commit=commit, branch=branch)
