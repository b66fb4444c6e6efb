"""Crash-safe file writing and careful reading, for run directories and model folders.

A file is written under a temporary name in its folder, flushed to disk and
renamed over its final name, so a reader sees the old file or the new one,
never half of one; a kill or a full disk leaves at most a ``.tmp-*`` file of
kgan's own (each temporary name is unique: nothing a user made is touched).
"""

import contextlib
import hashlib
import json
import os
import secrets
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


def temporary_name(path: Path) -> Path:
    """A fresh temporary name beside ``path``, keeping its name's end (Keras and numpy read
    suffixes): ``.tmp-<random>-NAME``. Unique, so two writers never share one, and no file
    a user made is ever taken for kgan's."""
    while True:
        candidate = path.with_name(f"{TEMPORARY_PREFIX}{secrets.token_hex(4)}-{path.name}")
        if not os.path.lexists(candidate):
            return candidate


def write_atomically(path, write, *, overwrite: bool = True):
    """Calls ``write(temporary_path)``, then moves the file (or folder) to ``path`` durably.

    With ``overwrite=False`` an existing ``path`` is never replaced: the file is
    linked into place (an exclusive create), so of two writers one wins and the
    other gets "exists already". Raises ValueError (one line, naming ``path``)
    where the disk is full, the folder is read-only or the writer fails with an
    OSError; the temporary file is removed and an existing ``path`` is left as it was.
    """
    path = Path(path)
    temporary = temporary_name(path)
    try:
        write(str(temporary))
        _fsync_path(temporary)
        if overwrite:
            os.replace(temporary, path)
        else:
            _place_new(temporary, path)
        _fsync_path(path.parent, directory=True)
    except FileExistsError:
        _remove(temporary)
        raise ValueError(f"kgan: {path} exists already; choose another name.") from None
    except OSError as error:
        _remove(temporary)
        reason = error.strerror or str(error).splitlines()[0]
        raise ValueError(f"kgan: cannot write {path}: {reason}.") from None
    except BaseException:
        _remove(temporary)
        raise


def _place_new(temporary: Path, path: Path):
    """Moves ``temporary`` to ``path`` unless something is there (FileExistsError then)."""
    if temporary.is_dir():
        # No exclusive rename for folders in Python; the check and the rename are adjacent.
        if os.path.lexists(path):
            raise FileExistsError(path)
        os.rename(temporary, path)
        return
    os.link(temporary, path)  # fails if path exists, atomically
    os.unlink(temporary)


def _remove(path: Path):
    """Removes a temporary file, or a temporary folder (an exported model)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def write_text_atomically(path, text: str, *, overwrite: bool = True):
    write_atomically(path, lambda temporary: Path(temporary).write_text(text), overwrite=overwrite)


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
    path,
    expected_sha256: str,
    owner: str,
    fix: str = "reinstall kgan or rebuild the entry",
    record: str = "its manifest expects",
):
    """Raises ValueError unless ``path``'s sha256 is ``expected_sha256``.

    Weights are checked before they are read, so a corrupted or tampered file
    is never loaded. Anything but a regular file is refused before it is read.
    """
    actual = sha256_file(check_regular_file(path, owner))
    if actual != expected_sha256:
        raise ValueError(
            # 16 hex digits show that the two differ; the full 64 would push the remedy
            # past the width of a one-line error.
            f"kgan: {owner}: {Path(path).name} has sha256 {actual[:16]}…, but {record} "
            f"{expected_sha256[:16]}…; refusing to load it ({fix})."
        )


CACHE_VARIABLE = "KGAN_CACHE"


def cache_root() -> Path:
    """Where kgan caches what it can make again (trained evaluators, parsed data):
    ``$KGAN_CACHE`` or ~/.cache/kgan."""
    return Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "kgan")
