"""kgan.files: unique temporary names, exclusive final creates, nothing of a user's touched."""

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kgan import files
from kgan.cli import main


def test_each_write_gets_its_own_temporary_name(tmp_path):
    target = tmp_path / "out.npy"
    names = {files.temporary_name(target).name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(files.TEMPORARY_PREFIX) and n.endswith("-out.npy") for n in names)


def test_a_users_own_tmp_folder_is_never_touched(tmp_path):
    mine = tmp_path / f"{files.TEMPORARY_PREFIX}mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("a user's file")

    def failing(temporary):
        Path(temporary).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ValueError, match="No space left on device"):
        files.write_atomically(tmp_path / "mine", failing)
    assert (mine / "keep.txt").read_text() == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]


def test_without_overwrite_of_two_writers_one_wins_and_the_other_is_told(tmp_path):
    target = tmp_path / "same.json"
    barrier, outcomes = threading.Barrier(2), []

    def writer(text):
        def write(temporary):
            Path(temporary).write_text(text)
            barrier.wait()  # both are written before either is placed

        try:
            files.write_atomically(target, write, overwrite=False)
            outcomes.append(("ok", text))
        except ValueError as error:
            outcomes.append(("refused", str(error)))

    threads = [threading.Thread(target=writer, args=(text,)) for text in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [text for kind, text in outcomes if kind == "ok"]
    assert len(winners) == 1 and target.read_text() == winners[0]
    assert any(kind == "refused" and "exists already" in text for kind, text in outcomes)
    assert sorted(os.listdir(tmp_path)) == ["same.json"], "no temporary file is left"


def test_an_existing_file_is_kept_without_overwrite(tmp_path):
    target = tmp_path / "grid.png"
    target.write_bytes(b"a user's picture")
    with pytest.raises(ValueError, match="exists already"):
        files.write_text_atomically(target, "new", overwrite=False)
    assert target.read_bytes() == b"a user's picture"


@pytest.mark.parametrize("name", ["x.NPY", "samples.npy"])
def test_kgan_sample_writes_arrays_whatever_the_suffix_case(tmp_path, name):
    out = tmp_path / name
    result = CliRunner().invoke(main, ["sample", "dcgan-mnist", "-n", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (3, 28, 28, 1)
    assert sorted(os.listdir(tmp_path)) == [name]


def test_kgan_sample_bounds_interpolation_by_n_and_names_the_seed(tmp_path):
    out = tmp_path / "morph.png"
    result = CliRunner().invoke(
        main, ["sample", "dcgan-mnist", "-n", "2", "--interpolate", "100", "-o", str(out)]
    )
    assert result.exit_code == 1 and "give -n at least STEPS" in result.output
    result = CliRunner().invoke(main, ["sample", "dcgan-mnist", "--seed", "-1", "-o", str(out)])
    assert result.exit_code == 2 and "--seed" in result.output
    assert not out.exists()


class Killed(BaseException):
    """Stands for SIGKILL: no cleanup of kgan's runs after it."""


OUTPUTS = {
    "grid": (["sample", "dcgan-mnist", "-n", "4", "-o"], "grid.png"),
    "array": (["sample", "dcgan-mnist", "-n", "4", "-o"], "samples.npy"),
    "folder": (["sample", "dcgan-mnist", "-n", "4", "-o"], "pngs"),
    "json": (["evaluate", "dcgan-mnist", "--samples", "100", "--json"], "metrics.json"),
    "export": (["export", "dcgan-mnist"], "served"),
}


@pytest.fixture(scope="module")
def measured():
    """One real evaluation, reused: the writes are under test here, not the measuring."""
    from kgan import evaluation

    return evaluation.evaluate("dcgan-mnist", num_samples=100)


@pytest.mark.parametrize("phase", ["written", "placed"])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_a_kill_at_each_step_of_an_output_write_loses_nothing(
    tmp_path, monkeypatch, measured, output, phase
):
    """Killed once the temporary is complete ("written") or just after the rename ("placed")."""
    from kgan import evaluation

    monkeypatch.setattr(evaluation, "evaluate", lambda *args, **kwargs: measured)
    command, name = OUTPUTS[output]
    target, calls = tmp_path / name, []
    real_fsync, real_remove = files._fsync_path, files._remove

    def fsync(path, directory=False):
        calls.append(path)  # 1st: the temporary, written; 2nd: its folder, after the rename
        if len(calls) == (1 if phase == "written" else 2):
            raise Killed
        real_fsync(path, directory)

    monkeypatch.setattr(files, "_fsync_path", fsync)
    monkeypatch.setattr(files, "_remove", lambda path: None)  # a kill cleans nothing up
    with pytest.raises(Killed):
        CliRunner().invoke(main, [*command, str(target)], catch_exceptions=False)
    monkeypatch.setattr(files, "_fsync_path", real_fsync)
    monkeypatch.setattr(files, "_remove", real_remove)
    if phase == "written":  # nothing at the final name; the rerun is not confused by the rest
        assert not target.exists()
        rerun = CliRunner().invoke(main, [*command, str(target)])
        assert rerun.exit_code == 0, rerun.output
    else:  # the output is whole; a rerun refuses to replace it, in one line
        rerun = CliRunner().invoke(main, [*command, str(target)])
        assert rerun.exit_code == 1 and "exists already" in rerun.output
    if output == "array":
        assert np.load(target).shape == (4, 28, 28, 1)
    elif output == "folder":
        assert len(list(target.glob("*.png"))) == 4
    elif output == "json":
        assert json.loads(target.read_text())["source"] == "dcgan-mnist"
    else:
        assert target.exists() and (target.is_dir() or target.stat().st_size > 0)
