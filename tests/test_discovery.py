"""Discovery walks real trees: gitignore semantics, skipped folders, symlinks and special files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lint.discovery import SKIPPED_DIRS, discover
from lint.gitignore import IgnoreStack, PatternSet, compile_pattern, parse
from lint.settings import Settings

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX symlinks and FIFOs")


def write(root: Path, *relatives: str, text: str = "x = 1\n") -> None:
    for relative in relatives:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def found(root: Path, *paths: Path, **settings: object) -> list[str]:
    return [file.relative for file in discover(list(paths) or [root], Settings(root, frozenset(), **settings)).files]


def notices(root: Path, *paths: Path) -> list[str]:
    return discover(list(paths), Settings(root, frozenset())).notices


# --- the pattern matcher -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("*.log", "debug.log", False, True),
        ("*.log", "logs/deep/debug.log", False, True),
        ("*.log", "debug.logx", False, False),
        ("/build", "build", True, True),  # leading slash anchors to the .gitignore's directory
        ("/build", "src/build", True, False),
        ("doc/frotz", "doc/frotz", True, True),  # a middle slash anchors too
        ("doc/frotz", "a/doc/frotz", True, False),
        ("frotz/", "a/frotz", True, True),  # trailing slash: directories only
        ("frotz/", "frotz", False, False),
        ("**/foo", "foo", False, True),
        ("**/foo", "a/b/foo", False, True),
        ("**/foo/bar", "x/y/foo/bar", False, True),
        ("abc/**", "abc/x/y.py", False, True),
        ("abc/**", "abc", True, False),  # everything inside, not the directory itself
        ("a/**/b", "a/b", True, True),
        ("a/**/b", "a/x/y/b", True, True),
        ("a/**/b", "ab", True, False),
        ("a/*.py", "a/b.py", False, True),
        ("a/*.py", "a/b/c.py", False, False),  # `*` never crosses a slash
        ("?.py", "a.py", False, True),
        ("?.py", "ab.py", False, False),
        ("a?b", "a/b", False, False),
        ("[abc].py", "b.py", False, True),
        ("[abc].py", "d.py", False, False),
        ("[!abc].py", "d.py", False, True),
        ("[!abc].py", "a.py", False, False),
        ("[a-c]x", "bx", False, True),
        ("[]]x", "]x", False, True),
        ("\\#file", "#file", False, True),
        ("\\!keep", "!keep", False, True),
        ("foo   ", "foo", False, True),  # unescaped trailing spaces are dropped
        ("foo\\ ", "foo ", False, True),
        ("a[b", "a[b", False, True),  # an unclosed bracket is literal
    ],
)
def test_pattern_matches_like_git(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    compiled = compile_pattern(pattern)
    assert compiled is not None
    assert compiled.matches(path, is_dir) is expected


@pytest.mark.parametrize("line", ["", "   ", "# a comment", "!", "/"])
def test_blank_lines_and_comments_are_not_patterns(line: str) -> None:
    assert compile_pattern(line) is None


def test_last_matching_pattern_wins_and_none_means_unmatched() -> None:
    patterns = PatternSet.under("", parse(["*.py", "!keep.py"]))
    assert patterns.is_ignored("drop.py", False) is True
    assert patterns.is_ignored("keep.py", False) is False
    assert patterns.is_ignored("notes.txt", False) is None
    assert PatternSet.under("", parse(["!keep.py", "*.py"])).is_ignored("keep.py", False) is True


def test_deeper_pattern_set_overrides_outer_and_is_relative_to_its_directory() -> None:
    stack = IgnoreStack().push(PatternSet.under("/repo", parse(["*.gen.py"])))
    stack = stack.push(PatternSet.under("/repo/sub", parse(["!keep.gen.py", "/local.py"])))
    assert stack.is_ignored("/repo/sub/keep.gen.py", False) is False
    assert stack.is_ignored("/repo/keep.gen.py", False) is True
    assert stack.is_ignored("/repo/sub/local.py", False) is True
    assert stack.is_ignored("/repo/local.py", False) is None
    assert stack.is_ignored("/elsewhere/x.gen.py", False) is None


# --- walking -------------------------------------------------------------------------------------


def test_files_are_classified_sorted_and_deduplicated(tmp_path: Path) -> None:
    write(tmp_path, "z.py", "a/b.py", "conf/app.yaml", "force-app/Handler.cls", "obj/Acct.object-meta.xml", "README.md")
    result = discover([tmp_path, tmp_path / "a" / "b.py", tmp_path / "a"], Settings(tmp_path, frozenset()))
    assert [(file.relative, file.kind.name) for file in result.files] == [
        ("a/b.py", "py"),
        ("conf/app.yaml", "cfg"),
        ("force-app/Handler.cls", "apex"),
        ("obj/Acct.object-meta.xml", "xml"),
        ("z.py", "py"),
    ]
    assert all(file.path.is_absolute() and file.path.is_file() for file in result.files)
    assert result.notices == []


def test_default_path_is_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pkg/mod.py")
    monkeypatch.chdir(tmp_path)
    assert [file.relative for file in discover([], Settings(tmp_path, frozenset())).files] == ["pkg/mod.py"]


def test_gitignore_negation_anchoring_and_directory_only(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="# generated code\n*.gen.py\n!keep.gen.py\n/top.py\nout/\n")
    write(tmp_path, "a.gen.py", "keep.gen.py", "top.py", "src/top.py", "out/x.py", "src/out.py", "src/ok.py")
    assert found(tmp_path) == ["keep.gen.py", "src/ok.py", "src/out.py", "src/top.py"]


def test_double_star_patterns(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="**/fixtures\nlegacy/**\ndocs/**/conf.py\n")
    write(tmp_path, "fixtures/a.py", "x/y/fixtures/b.py", "legacy/c.py", "legacy/d/e.py", "docs/conf.py")
    write(tmp_path, "docs/en/v1/conf.py", "docs/en/index.py", "legacy.py")
    assert found(tmp_path) == ["docs/en/index.py", "legacy.py"]


def test_nested_gitignore_is_relative_to_its_directory_and_overrides_the_root(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="*_pb2.py\n")
    write(tmp_path, "sub/.gitignore", text="!api_pb2.py\n/local.py\n")
    write(tmp_path, "api_pb2.py", "local.py", "sub/api_pb2.py", "sub/other_pb2.py", "sub/local.py", "sub/deep/local.py")
    assert found(tmp_path) == ["local.py", "sub/api_pb2.py", "sub/deep/local.py"]


def test_file_in_an_ignored_directory_cannot_be_re_included(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="vendor/\n!vendor/keep.py\n")
    write(tmp_path, "vendor/keep.py", "app.py")
    assert found(tmp_path) == ["app.py"]


def test_walking_a_subdirectory_honours_the_repository_ignore_files(tmp_path: Path) -> None:
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch_*.py\n")
    write(tmp_path, ".gitignore", text="*.gen.py\n")
    write(tmp_path, "src/.gitignore", text="/pkg/private.py\n")
    write(tmp_path, "src/pkg/a.py", "src/pkg/b.gen.py", "src/pkg/scratch_1.py", "src/pkg/private.py")
    assert found(tmp_path, tmp_path / "src" / "pkg") == ["src/pkg/a.py"]


def test_exclude_settings_are_gitignore_patterns_relative_to_root(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="!/legacy\n")  # cannot re-include what the settings exclude
    write(tmp_path, "legacy/a.py", "src/legacy/b.py", "src/c_test.py", "src/c.py")
    assert found(tmp_path, exclude=("/legacy",), extend_exclude=("*_test.py",)) == ["src/c.py", "src/legacy/b.py"]


def test_default_skipped_directories(tmp_path: Path) -> None:
    for name in (*SKIPPED_DIRS, "intlint.egg-info"):
        write(tmp_path, f"{name}/mod.py", f"src/{name}/mod.py")
    write(tmp_path, "builds/mod.py", "src/app.py")
    assert found(tmp_path) == ["builds/mod.py", "src/app.py"]


def test_virtualenv_under_any_name_is_detected_by_pyvenv_cfg(tmp_path: Path) -> None:
    write(tmp_path, "py311/pyvenv.cfg", text="home = /usr/bin\n")
    write(tmp_path, "py311/lib/site.py", "app.py")
    assert found(tmp_path) == ["app.py"]


def test_explicitly_named_directory_is_walked_even_if_skipped_by_default(tmp_path: Path) -> None:
    write(tmp_path, "build/gen.py")
    assert found(tmp_path, tmp_path / "build") == ["build/gen.py"]


def test_explicitly_named_file_is_linted_even_if_ignored_or_excluded(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", text="*.gen.py\n")
    write(tmp_path, "a.gen.py", "skip_me.py", ".venv/lib/x.py")
    named = [tmp_path / "a.gen.py", tmp_path / "skip_me.py", tmp_path / ".venv" / "lib" / "x.py"]
    assert found(tmp_path, *named, exclude=("skip_me.py",)) == [".venv/lib/x.py", "a.gen.py", "skip_me.py"]


def test_explicit_file_of_no_known_kind_is_skipped_with_a_notice(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt")
    result = discover([tmp_path / "notes.txt"], Settings(tmp_path, frozenset()))
    assert result.files == []
    assert result.notices == [f"skipped {tmp_path / 'notes.txt'}: not a Python, config, Apex or metadata file"]


def test_nonexistent_path_is_a_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "a.py")
    monkeypatch.chdir(tmp_path)
    result = discover([Path("nope"), Path("a.py")], Settings(tmp_path, frozenset()))
    assert [file.relative for file in result.files] == ["a.py"]
    assert result.notices == ["path does not exist: nope"]


def test_file_outside_root_keeps_its_absolute_posix_path(tmp_path: Path) -> None:
    write(tmp_path, "project/a.py", "elsewhere/b.py")
    outside = (tmp_path / "elsewhere" / "b.py").as_posix()
    assert found(tmp_path / "project", tmp_path / "project", tmp_path / "elsewhere") == [outside, "a.py"]


@posix_only
def test_symlink_loop_terminates_and_directory_links_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path, "a/x.py", "outside/y.py")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert found(tmp_path, tmp_path / "a") == ["a/x.py"]


@posix_only
def test_file_symlinks_are_followed(tmp_path: Path) -> None:
    write(tmp_path, "real/impl.py")
    (tmp_path / "alias.py").symlink_to(tmp_path / "real" / "impl.py")
    assert found(tmp_path) == ["alias.py", "real/impl.py"]


@posix_only
def test_broken_symlinks_are_reported(tmp_path: Path) -> None:
    (tmp_path / "dead.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "dead.txt").symlink_to(tmp_path / "missing.txt")  # of no kind: not worth a notice
    result = discover([tmp_path], Settings(tmp_path, frozenset()))
    assert result.files == []
    assert result.notices == ["skipped broken symlink dead.py"]
    assert notices(tmp_path, tmp_path / "dead.py") == [f"skipped broken symlink {tmp_path / 'dead.py'}"]


@posix_only
def test_fifo_is_skipped_with_a_notice(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")  # opening it would block forever
    os.mkfifo(tmp_path / "pipe.txt")  # of no kind: not worth a notice
    write(tmp_path, "ok.py")
    result = discover([tmp_path], Settings(tmp_path, frozenset()))
    assert [file.relative for file in result.files] == ["ok.py"]
    assert result.notices == ["skipped pipe.py: not a regular file"]
    assert notices(tmp_path, tmp_path / "pipe.py") == [f"skipped {tmp_path / 'pipe.py'}: not a regular file"]


def test_unreadable_directory_is_a_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "locked/a.py", "open/b.py")
    real_scandir = os.scandir

    def scandir(path: str):  # chmod cannot lock out root, so refuse the way the OS would
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = discover([tmp_path], Settings(tmp_path, frozenset()))
    assert [file.relative for file in result.files] == ["open/b.py"]
    assert result.notices == ["skipped directory locked: Permission denied"]


def test_files_above_the_size_limit_are_skipped_unread(tmp_path: Path) -> None:
    write(tmp_path, "small.py", text="x = 1\n")
    write(tmp_path, "big.py", text="x = 1\n" * 300_000)  # 1.72 MB
    settings = Settings(tmp_path, frozenset(), max_file_size=1024 * 1024)
    result = discover([tmp_path], settings)
    assert [file.relative for file in result.files] == ["small.py"]
    assert result.notices == ["skipped big.py: it is 1.72 MB, larger than max-file-size (1 MB); raise `max-file-size` to lint it"]
    named = discover([tmp_path / "big.py"], settings)
    assert named.files == [] and named.notices == result.notices  # a named file too
    assert [file.relative for file in discover([tmp_path], Settings(tmp_path, frozenset())).files] == ["big.py", "small.py"]  # default: 10 MB
