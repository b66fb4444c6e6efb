"""A run's ``log.csv``, read back and never trusted: kgan reads it on every resume.

``keras.callbacks.CSVLogger`` writes it (a header ``epoch,NAME,...`` and one row per
epoch, ``\\r\\n`` line ends). What a resume finds may be anything: a kill mid-row, an
edit in another editor, a file that is not kgan's. A log whose header is not kgan's is
set aside under a fresh name (never removed) and a new log begins; unreadable rows are
dropped; each with a one-line warning that names the file.
"""

import math
import os
import re
from pathlib import Path

from kgan import files

LINE_END = "\r\n"  # what csv.excel, and so CSVLogger, writes
# What kgan.quality logs each epoch (nan between measurements); losses.png leaves them out.
QUALITY_COLUMNS = ("frechet_distance", "classifier_score", "max_over_min")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")


def header_problem(header: list) -> str | None:
    """Why ``header`` (a log's first row, split) is not a kgan log's header, or None."""
    if not header or header[0] != "epoch":
        return "its first column is not 'epoch'"
    if not all(_COLUMN.match(name) for name in header) or len(set(header)) != len(header):
        return "its header is not a list of distinct column names"
    return None


def _row_epoch(fields: list, width: int) -> int | None:
    """The epoch of a complete, numeric row (values are numbers or CSVLogger's "NA")."""
    if len(fields) != width or not fields[0].isdigit() or not fields[0].isascii():
        return None
    for value in fields[1:]:
        if value == "NA":
            continue
        try:
            float(value)
        except ValueError:
            return None
    return int(fields[0])


def set_aside(path: Path, reason: str, warn=print) -> Path:
    """Renames ``path`` to a fresh ``NAME.unreadable[-N]`` beside it and says so."""
    number = 0
    while True:
        aside = path.with_name(f"{path.name}.unreadable" + (f"-{number}" if number else ""))
        try:
            os.link(path, aside)  # exclusive: never over a file already set aside
            break
        except FileExistsError:
            number += 1
    os.unlink(path)
    warn(f"warning: {path} {reason}; kept it as {aside.name} and began a new log.")
    return aside


def keep_log_rows(path, epochs_done: int, warn=print) -> None:
    """Keeps the rows of the ``epochs_done`` epochs a resumed run has done, checked.

    Epochs count from 1; a kgan 0.2 log (from 0) is renumbered. Rows of later epochs
    (the run is resumed from before them), a truncated last row and rows that are not
    numbers are dropped; line ends become CSVLogger's. A log that is not UTF-8 or whose
    header is not kgan's is set aside whole.
    """
    path = Path(path)
    if not os.path.lexists(path):
        return
    if not path.is_file() or path.is_symlink():
        raise ValueError(f"kgan: {path} is not a regular file; expected the run's CSV log.")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        set_aside(path, f"is not UTF-8 text ({error.reason} at byte {error.start})", warn)
        return
    lines = text.splitlines(keepends=True)
    if not lines:
        return
    header = lines[0].rstrip("\r\n").split(",")
    problem = header_problem(header)
    if problem is None and not lines[0].endswith(("\n", "\r")):
        problem = "ends inside its header"
    if problem:
        set_aside(path, problem, warn)
        return
    rows, unreadable, last = [], 0, -1
    for line in lines[1:]:
        fields = line.rstrip("\r\n").split(",")
        epoch = _row_epoch(fields, len(header)) if line.endswith(("\n", "\r")) else None
        if epoch is None or epoch <= last:
            unreadable += 1
        else:
            rows.append(fields)
            last = epoch
    # kgan 0.2 counted epochs from 0 (Keras's numbering); they count from 1 now.
    shift = 1 if rows and rows[0][0] == "0" else 0
    kept = [
        ",".join([str(int(fields[0]) + shift), *fields[1:]])
        for fields in rows
        if int(fields[0]) + shift <= epochs_done
    ]
    if unreadable:
        warn(f"warning: dropped {unreadable} unreadable row(s) of {path}.")
    lines = [",".join(header), *kept] if epochs_done else []
    files.write_text_atomically(path, "".join(line + LINE_END for line in lines))


def logs_quality(path) -> bool | None:
    """Whether a run's log has kgan.quality's columns; None where there is no readable log."""
    path = Path(path)
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", errors="replace") as log:
        header = log.readline().rstrip("\r\n").split(",")
    if header_problem(header):
        return None
    return any(column in header for column in QUALITY_COLUMNS)


def read_log(path) -> list[dict]:
    """The rows of a log kgan wrote, as ``{column: float}`` (NA as nan); [] if none."""
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or header_problem(header := lines[0].split(",")):
        return []
    rows = []
    for line in lines[1:]:
        fields = line.split(",")
        if _row_epoch(fields, len(header)) is not None:
            values = zip(header, fields, strict=True)  # _row_epoch checked the width
            rows.append({k: math.nan if v == "NA" else float(v) for k, v in values})
    return rows
