"""Crash-safe file writing and careful reading, for run directories and model folders.

A file is written under a temporary name in its folder, flushed to disk and
renamed over its final name, so a reader sees the old file or the new one,
never half of one; a kill or a full disk leaves at most a ``.tmp-*`` file.
"""

import contextlib
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"


def _fsync_path(path, directory=False):
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    with contextlib.suppress(OSError):  # some file systems refuse fsync on folders
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path, write):
    """Calls ``write(temporary_path)``, then moves the file (or folder) to ``path`` durably.

    Raises ValueError (one line, naming ``path``) where the disk is full, the
    folder is read-only or the writer fails with an OSError; the temporary file
    is removed and an existing ``path`` is left as it was.
    """
    path = Path(path)
    temporary = path.with_name(f"{TEMPORARY_PREFIX}{path.name}")
    try:
        write(str(temporary))
        _fsync_path(temporary)
        os.replace(temporary, path)
        _fsync_path(path.parent, directory=True)
    except OSError as error:
        _remove(temporary)
        reason = error.strerror or str(error).splitlines()[0]
        raise ValueError(f"kgan: cannot write {path}: {reason}.") from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path):
    """Removes a temporary file, or a temporary folder (an exported model)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def write_text_atomically(path, text: str):
    write_atomically(path, lambda temporary: Path(temporary).write_text(text))


def check_regular_file(path, what: str) -> Path:
    """``path`` if it is a regular file (not a link to a device, a FIFO or a folder).

    Checked before anything reads it: hashing /dev/zero or a FIFO never returns.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode  # follows links, so a link to /dev/zero is a device
    except OSError:
        raise ValueError(f"kgan: {what}: {path} does not exist.") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"kgan: {what}: {path} is not a regular file; refusing to read it.")
    return path


def error_reason(error, default: str) -> str:
    """The first line of an exception's message, or ``default`` where it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else default


def read_json(path, owner: str):
    """The JSON value in the regular file ``path``; a one-line ValueError otherwise."""
    path = check_regular_file(path, owner)
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"kgan: {path} is not valid JSON ({error}).") from None


def read_json_object(path, owner: str) -> dict:
    """``read_json`` for a file that must hold a JSON object."""
    value = read_json(path, owner)
    if not isinstance(value, dict):
        raise ValueError(f"kgan: {path} is not a JSON object.")
    return value


def write_json_atomically(path, value):
    """``value`` as indented JSON with a final newline, written crash-safely."""
    write_text_atomically(path, json.dumps(value, indent=2) + "\n")


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(
    path, expected_sha256: str, owner: str, fix: str = "reinstall kgan or rebuild the entry"
):
    """Raises ValueError unless ``path``'s sha256 is ``expected_sha256``.

    Weights are checked before they are read, so a corrupted or tampered file
    is never loaded. Anything but a regular file is refused before it is read.
    """
    actual = sha256_file(check_regular_file(path, owner))
    if actual != expected_sha256:
        raise ValueError(
            f"kgan: {owner}: {Path(path).name} has sha256 {actual}, but its manifest "
            f"expects {expected_sha256}; refusing to load it ({fix})."
        )
