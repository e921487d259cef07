"""Where a file sits in a project: what its path says about the code in it.

Read from the relative POSIX path alone, for every source kind: Python, config,
Apex and metadata rules all treat test code the same way.
"""

from __future__ import annotations

from pathlib import PurePosixPath

TEST_DIRECTORIES = frozenset({"tests", "test"})


def is_test_path(path: str) -> bool:
    """Test code: under a `tests`/`test` directory, or a `test_*.py`, `*_test.py` or `conftest.py` file."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return bool(TEST_DIRECTORIES.intersection(parts[:-1])) or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
