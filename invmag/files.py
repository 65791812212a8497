"""Files that survive a kill: written under a temporary name beside the target, then renamed
onto it (an atomic replace), so a reader finds the old file or the new one, never a part."""

from contextlib import contextmanager
import os
from pathlib import Path


@contextmanager
def replacing(path):
    """Yield a temporary path beside `path` to write; on success it replaces `path`. If the block
    raises, `path` is untouched and the temporary file is removed."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
