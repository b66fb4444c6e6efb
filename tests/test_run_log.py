"""log.csv read back on resume: validated, tidied or set aside, never trusted."""

import numpy as np
import pytest
from click.testing import CliRunner

from kgan import run_log
from kgan.cli import main
from tests.helpers import TINY

HEADER = "epoch,d_loss,g_loss\r\n"
ROWS = ["1,1.5,0.5\r\n", "2,1.25,0.75\r\n", "3,1.0,1.0\r\n"]


def tidy(tmp_path, content: bytes, epochs_done=2):
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    warnings = []
    run_log.keep_log_rows(path, epochs_done, warn=warnings.append)
    return path, warnings


def test_rows_past_the_resumed_epoch_are_dropped_quietly(tmp_path):
    path, warnings = tidy(tmp_path, (HEADER + "".join(ROWS)).encode())
    assert path.read_bytes().decode() == HEADER + ROWS[0] + ROWS[1] and warnings == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"step,loss\r\n0,1\r\n", "first column is not 'epoch'"),
        (b"epoch,d_loss,d_loss\r\n", "not a list of distinct column names"),
        (b"epoch,d_lo", "ends inside its header"),
        ("epoch,d_loss\r\n0,1\r\n".encode("utf-16"), "is not UTF-8 text"),
        (b"epoch,d_loss\r\n0,\xff\r\n", "is not UTF-8 text"),
    ],
    ids=["foreign-header", "repeated-column", "truncated-header", "utf-16", "bad-byte"],
)
def test_a_log_that_is_not_kgans_is_set_aside_never_removed(tmp_path, content, reason):
    path, warnings = tidy(tmp_path, content)
    assert not path.exists() and (tmp_path / "log.csv.unreadable").read_bytes() == content
    assert len(warnings) == 1 and reason in warnings[0] and str(path) in warnings[0]
    path.write_bytes(content)  # set aside again: a fresh name, the first one kept
    run_log.keep_log_rows(path, 2, warn=warnings.append)
    assert (tmp_path / "log.csv.unreadable-1").read_bytes() == content


def test_truncated_mixed_ending_and_garbage_rows_are_dropped_with_a_warning(tmp_path):
    content = HEADER + "1,1.5,0.5\n" + "x,1,1\r\n" + "2,1.25\r\n" + "2,1.25,0.7"
    path, warnings = tidy(tmp_path, content.encode())
    assert path.read_bytes() == (HEADER + "1,1.5,0.5\r\n").encode()  # one line ending
    assert warnings == [f"warning: dropped 3 unreadable row(s) of {path}."]
    assert run_log.read_log(path) == [{"epoch": 1.0, "d_loss": 1.5, "g_loss": 0.5}]


def test_a_kgan_0_2_log_counting_epochs_from_0_is_renumbered(tmp_path):
    path, warnings = tidy(tmp_path, (HEADER + "0,1.5,0.5\r\n1,1.25,0.75\r\n").encode())
    assert path.read_bytes().decode() == HEADER + ROWS[0] + ROWS[1] and warnings == []


def test_a_log_that_is_a_link_or_folder_is_refused_in_one_line(tmp_path):
    (tmp_path / "log.csv").mkdir()
    with pytest.raises(ValueError, match="not a regular file; expected the run's CSV log"):
        run_log.keep_log_rows(tmp_path / "log.csv", 1)


@pytest.mark.parametrize(
    "damage",
    [b"step,loss\r\n0,1\r\n", b"epoch,other\r\n1,1\r\n", b"\xff\xfe\x00garbage"],
    ids=["foreign", "other-columns", "binary"],
)
def test_a_resume_over_a_damaged_log_warns_and_logs_every_epoch_after(tmp_path, damage):
    data = tmp_path / "small.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x_train=rng.integers(0, 256, (32, 16, 16), dtype=np.uint8), y_train=[0] * 32)

    def train(epochs, *extra):
        args = ["train", "dcgan", "--data", f"npz:{data}", "--epochs", str(epochs),
                "--batch-size", "16", "--out", str(tmp_path / "run"), "--seed", "1",
                "--quiet", *TINY, *extra]  # fmt: skip
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return result.output

    train(1)
    log = tmp_path / "run" / "log.csv"
    (tmp_path / "run" / "config.json").unlink()  # unfinished: the resume trains epoch 2
    log.write_bytes(damage)
    output = train(2, "--resume")
    assert "kept it as log.csv.unreadable" in output
    assert (tmp_path / "run" / "log.csv.unreadable").read_bytes() == damage
    rows = run_log.read_log(log)
    assert [row["epoch"] for row in rows] == [2.0] and set(rows[0]) >= {"d_loss", "g_loss"}


def test_a_log_tells_whether_it_has_quality_columns(tmp_path):
    log = tmp_path / "log.csv"
    assert run_log.logs_quality(log) is None
    log.write_text("epoch,d_loss,g_loss\r\n1,1.0,1.0\r\n")
    assert run_log.logs_quality(log) is False
    log.write_text("epoch,d_loss,frechet_distance\r\n1,1.0,NA\r\n")
    assert run_log.logs_quality(log) is True
    log.write_text("not,a log\r\n")
    assert run_log.logs_quality(log) is None
