"""Writing files so that a reader, or a crash, never sees half of one."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside `target`, then rename it over `target`. Raises OSError."""
    import tempfile  # here: most runs write nothing, and tempfile costs a pre-commit run 1%

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
        handle.write(text)
    try:
        os.chmod(handle.name, 0o666 & ~_umask())  # temporary files are private; the result is not
        os.replace(handle.name, target)
    except OSError:
        os.unlink(handle.name)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
