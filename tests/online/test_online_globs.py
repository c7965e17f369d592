"""WANDB_IGNORE_GLOBS matching on run-relative paths."""

from __future__ import annotations

import pytest

from wandb_jupyter.online._globs import compile_globs


@pytest.mark.parametrize(
    ("globs", "path", "ignored"),
    [
        ("*.ckpt", "model.ckpt", True),
        ("*.ckpt", "ckpt/last.ckpt", True),  # no '/': the base name matches anywhere
        ("*.ckpt", "model.ckpt.txt", False),
        ("media/*", "media/a.png", True),
        ("media/*", "media/sub/a.png", False),  # '*' stays in one folder
        ("media/**", "media/sub/a.png", True),
        ("**/secret.txt", "secret.txt", True),  # '**/' also matches no folder
        ("**/secret.txt", "a/b/secret.txt", True),
        ("code/**/*.py", "code/train.py", True),
        ("code/**/*.py", "code/pkg/train.py", True),
        ("code/**/*.py", "other/train.py", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("[ab].txt", "a.txt", True),
        ("[!ab].txt", "a.txt", False),
        ("[!ab].txt", "c.txt", True),
        ("output.log", "output.log", True),
        ("", "anything", False),
    ],
)
def test_globs(globs, path, ignored) -> None:
    assert compile_globs(globs.split(","))(path) is ignored


def test_several_globs_and_regex_characters_are_literal() -> None:
    ignored = compile_globs(["*.ckpt", "private/**", "a+b(1).txt"])
    assert ignored("x.ckpt") and ignored("private/deep/file") and ignored("a+b(1).txt")
    assert not ignored("ab1.txt") and not ignored("public/file")
