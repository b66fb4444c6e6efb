"""Keras callbacks for GAN training runs: sample grids, exact-resume checkpoints, NaN stops.

CSV logs come from ``keras.callbacks.CSVLogger`` (``kgan train`` adds one).

Example:

>>> import kgan
>>> model = kgan.DCGAN()
>>> model.compile()
>>> callbacks = [
...     kgan.callbacks.SampleGrid("run/samples"),
...     kgan.callbacks.Checkpoint("run/checkpoints"),
...     kgan.callbacks.StopOnNonFiniteLoss(),
... ]
>>> model.fit(dataset, epochs=10, callbacks=callbacks)  # doctest: +SKIP
"""

import json
import math
import re
from pathlib import Path

import keras
import numpy as np

from kgan import files, run_log
from kgan.images import grid_layout, save_grid

CHECKPOINT_PATTERN = re.compile(r"^epoch-(\d{4,})\.keras$")


class SampleGrid(keras.callbacks.Callback):
    """Writes ``epoch-NNNN.png`` after each epoch, from the same latents every time.

    Conditional models get one row per class. With ``summary_dir`` the grid
    also goes to TensorBoard (an image summary ``samples`` per epoch).
    """

    def __init__(self, directory, n=64, seed=0, summary_dir=None):
        super().__init__()
        self.directory, self.n, self.seed = Path(directory), n, seed
        self.summary_dir = None if summary_dir is None else Path(summary_dir)

    def grid_inputs(self):
        labels, count, columns = grid_layout(self.n, self.model.num_classes)
        return self.model.latents(count, self.seed), labels, columns

    def grid_images(self):
        """(images, columns) of this epoch's grid."""
        latents, labels, columns = self.grid_inputs()
        return self.model.sample(len(latents), latents=latents, labels=labels), columns

    def on_epoch_end(self, epoch, logs=None):
        images, columns = self.grid_images()
        path = save_grid(images, self.directory / f"epoch-{epoch + 1:04d}.png", columns=columns)
        if self.summary_dir is not None:
            _write_image_summary(self.summary_dir, path, epoch + 1)


class TranslationGrid(SampleGrid):
    """``SampleGrid`` for image-to-image models: the model's ``comparison`` of the same
    pairs every epoch (input | output | target; CycleGAN's a | a→b | a→b→a rows)."""

    def __init__(self, directory, inputs, targets, summary_dir=None):
        super().__init__(directory, n=len(inputs), summary_dir=summary_dir)
        self.inputs, self.targets = np.asarray(inputs), np.asarray(targets)

    def grid_images(self):
        return self.model.comparison(self.inputs, self.targets)


def _write_image_summary(directory: Path, png: Path, step: int):
    # tf.summary is TensorBoard's writer; TensorFlow is installed on every backend.
    import tensorflow as tf

    image = tf.io.decode_png(tf.io.read_file(str(png)))[None]
    with tf.summary.create_file_writer(str(directory)).as_default():
        tf.summary.image("samples", image, step=step)


class CSVLog(keras.callbacks.CSVLogger):
    """keras.callbacks.CSVLogger without its always-"NA" ``val_*`` columns, epochs from 1.

    CSVLogger adds a val_ column for every log when the first epoch has no
    validation logs; here the columns are the first epoch's logs, so a run
    with validation data has them and a run without has none. ``columns``
    are logged too, "NA" on epochs without them (``kgan.quality``'s, measured
    every few epochs).
    """

    def __init__(self, filename, separator=",", append=False, warn=print, columns=()):
        super().__init__(filename, separator=separator, append=append)
        self.warn, self.columns = warn, tuple(columns)

    def on_epoch_end(self, epoch, logs=None):
        if self.keys is None and logs:
            self.keys = sorted({*logs, *self.columns})
            if self.append and not self.append_header:
                self._begin_anew_unless_header(["epoch", *self.keys])
        # Epochs count from 1, as checkpoints (epoch-0001) and grids do; Keras's from 0.
        super().on_epoch_end(epoch + 1, logs)

    def _begin_anew_unless_header(self, header):
        # Rows appended under another header would be misread: set that log aside.
        with open(self.filename, encoding="utf-8", errors="replace") as log:
            found = log.readline().rstrip("\r\n").split(",")
        if found != header:
            self.csv_file.close()
            run_log.set_aside(
                Path(self.filename), "has other columns than this run logs", self.warn
            )
            self.csv_file = open(self.filename, "w")  # noqa: SIM115 (CSVLogger closes it)
            self.append_header = True


class StopAfterSteps(keras.callbacks.Callback):
    """Stops training after ``max_steps`` steps in all, counting ``steps_done`` before this fit.

    The epoch it stops in ends early and is checkpointed as done, so a
    resumed run continues with the next epoch's data. With
    ``steps_per_execution`` N it stops at the first call that reaches
    ``max_steps`` (Keras cannot stop inside one).
    """

    def __init__(self, max_steps: int, steps_done: int = 0):
        super().__init__()
        self.max_steps, self.steps, self.epoch_start = max_steps, steps_done, steps_done

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = self.steps

    def on_train_batch_end(self, batch, logs=None):
        # ``batch`` is the index of the last step the call ran, whatever N is.
        self.steps = self.epoch_start + batch + 1
        if self.steps >= self.max_steps:
            self.model.stop_training = True


class StepsProgbar(keras.callbacks.ProgbarLogger):
    """Keras's progress bar, whose epochs end where ``stop`` (a ``StopAfterSteps``) ends them.

    Keras's own bar counts to the epoch's planned steps and, when a run stops
    early, finishes at that count anyway ("63/63" after 10 steps).
    """

    def __init__(self, stop: StopAfterSteps):
        super().__init__()
        self.stop, self.planned = stop, None

    def set_params(self, params):
        super().set_params(params)
        self.planned = params.get("steps")  # Keras's set_params keeps it only as the target

    def on_epoch_begin(self, epoch, logs=None):
        if self.planned is not None:  # StopAfterSteps has set this epoch's start already
            self.target = max(1, min(self.planned, self.stop.max_steps - self.stop.steps))
        super().on_epoch_begin(epoch, logs)


def _finite(logs):
    return all(math.isfinite(float(v)) for v in (logs or {}).values())


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training at the first batch whose logs hold NaN or inf.

    keras.callbacks.TerminateOnNaN watches only a ``loss`` key; GANs log
    ``d_loss`` and ``g_loss``. ``model.non_finite_stop`` records the batch.
    """

    def on_train_batch_end(self, batch, logs=None):
        if not _finite(logs):
            self.model.stop_training = True
            self.model.non_finite_stop = {
                "batch": batch,
                "logs": {k: float(v) for k, v in logs.items()},
            }


class Checkpoint(keras.callbacks.Callback):
    """Saves everything an exact resume needs after each epoch, never overwriting one.

    ``DIR/epoch-NNNN.keras`` holds both networks (BatchNorm statistics
    included) and both optimizers; ``DIR/epoch-NNNN.json`` holds the epoch,
    the model's seed-generator state (which Keras does not save) and the logs.
    Each file is written under a temporary name and renamed, so a run killed
    mid-write leaves the previous checkpoints intact. An epoch whose logs are
    NaN or inf is not saved: the last good checkpoint stays the latest.

    ``keep`` is how many of the newest checkpoints stay on disk (``None``: all).
    Older ones are removed once a newer one is complete, so a kill at any
    point leaves at least one complete checkpoint.
    """

    def __init__(self, directory, keep: int | None = None):
        super().__init__()
        self.directory = Path(directory)
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise ValueError(f"kgan: expected keep as an integer >= 1 or None; got {keep!r}.")
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        if not _finite(logs) or getattr(self.model, "non_finite_stop", None):
            return
        # The logged losses come from before each step's update, so an update
        # that blew the weights up shows only in the weights themselves.
        broken = next(
            (v.path for v in self.model.weights if not np.all(np.isfinite(np.asarray(v)))), None
        )
        if broken is not None:
            self.model.stop_training = True
            self.model.non_finite_stop = {"epoch": epoch + 1, "weight": broken}
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.directory / f"epoch-{epoch + 1:04d}"
        # The .json names a finished checkpoint, so it is written last.
        files.write_atomically(stem.with_suffix(".keras"), self.model.save)
        state = {
            "epoch": epoch + 1,
            "seed_state": keras.ops.convert_to_numpy(self.model.seed_generator.state).tolist(),
            "logs": {key: float(value) for key, value in (logs or {}).items()},
        }
        files.write_atomically(
            stem.with_suffix(".json"), lambda path: Path(path).write_text(json.dumps(state))
        )
        if self.keep is not None:
            prune_checkpoints(self.directory, self.keep)


def prune_checkpoints(directory, keep: int):
    """Removes all but the ``keep`` newest complete checkpoints (and older partial ones).

    The .json goes first: without it a checkpoint no longer counts as
    complete, so a kill between the two removals leaves nothing a resume
    would trust, and the next prune removes the rest.
    """
    directory = Path(directory)
    if directory.is_symlink():
        return  # never through a link: what it points to is not kgan's to prune
    complete = complete_checkpoints(directory)
    if len(complete) <= keep:
        return
    oldest_kept = int(CHECKPOINT_PATTERN.match(complete[keep - 1].name).group(1))
    stale = [
        path
        for path in directory.iterdir()
        if path.suffix in (".json", ".keras")
        and (match := CHECKPOINT_PATTERN.match(path.with_suffix(".keras").name))
        and int(match.group(1)) < oldest_kept
    ]
    for path in sorted(stale, key=lambda path: path.suffix != ".json"):  # .json first
        if path.is_file() and not path.is_symlink():  # only regular files kgan wrote
            path.unlink(missing_ok=True)


def complete_checkpoints(directory) -> list[Path]:
    """The ``.keras`` paths of the complete checkpoints in ``directory``, newest first."""
    directory = Path(directory)
    done = sorted(
        (
            int(match.group(1))
            for path in (directory.iterdir() if directory.is_dir() else [])
            if (match := CHECKPOINT_PATTERN.match(path.name))
            and path.with_suffix(".json").is_file()
        ),
        reverse=True,
    )
    return [directory / f"epoch-{epoch:04d}.keras" for epoch in done]


def read_state(path) -> dict:
    """The state (.json) beside a checkpoint, checked; ValueError if it is not a kgan state.

    Its epoch must be the one the file name says, its seed state two uint32 words.
    """
    state_file = Path(path).with_suffix(".json")
    try:
        state = json.loads(state_file.read_text())
        epoch, seed_state = state["epoch"], list(state["seed_state"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(f"kgan: {state_file} is not a kgan checkpoint state.") from None
    match = CHECKPOINT_PATTERN.match(Path(path).with_suffix(".keras").name)
    named = int(match.group(1)) if match else None
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch != named:
        raise ValueError(f"kgan: {state_file}: expected epoch {named}; got {epoch!r}.")
    if len(seed_state) != 2 or not all(
        isinstance(word, int) and not isinstance(word, bool) and 0 <= word < 2**32
        for word in seed_state
    ):
        raise ValueError(f"kgan: {state_file}: expected seed_state as two uint32 words.")
    return state


def latest_checkpoint(directory):
    """(path of the newest complete checkpoint, its state dict), or (None, None)."""
    paths = complete_checkpoints(directory)
    return (paths[0], read_state(paths[0])) if paths else (None, None)


def restore_latest(model, directory, warn=print):
    """Restores the newest checkpoint that loads into ``model``; returns its epoch (0 if none).

    A checkpoint that does not load (truncated, corrupt, from another model)
    is reported through ``warn`` and the one before it is tried.
    """
    for path in complete_checkpoints(directory):
        try:
            return restore_checkpoint(model, path, read_state(path))
        except Exception as error:  # any reason it does not load: try the previous one
            reason = files.error_reason(error, type(error).__name__)
            warn(f"warning: skipping checkpoint {path.name}, which does not load ({reason}).")
    if complete_checkpoints(directory):
        raise ValueError(f"kgan: no checkpoint in {directory} loads into this model.")
    return 0


def restore_checkpoint(model, path, state):
    """Loads a checkpoint into a compiled ``model``: weights, optimizers and seed state."""
    files.check_regular_file(path, "checkpoint")
    saved = keras.saving.load_model(path)
    model.set_weights(saved.get_weights())
    for name in ("d_optimizer", "g_optimizer"):
        target, source = getattr(model, name), getattr(saved, name)
        for variable, value in zip(target.variables, source.variables, strict=True):
            variable.assign(value)
    model.seed_generator.state.assign(np.asarray(state["seed_state"], "uint32"))
    return state["epoch"]


class LossCurve(keras.callbacks.Callback):
    """Redraws a PNG of the logged losses per epoch from the CSV log (matplotlib)."""

    def __init__(self, csv_path, png_path):
        super().__init__()
        self.csv_path, self.png_path = Path(csv_path), Path(png_path)

    def on_epoch_end(self, epoch, logs=None):
        import matplotlib
        import matplotlib.ticker

        matplotlib.use("Agg")
        from matplotlib import pyplot

        rows = run_log.read_log(self.csv_path)
        if not rows:
            return
        figure, axis = pyplot.subplots(figsize=(6, 4))
        epochs = [int(row["epoch"]) for row in rows]
        for key in rows[0]:
            # CSVLogger writes "NA" (nan here) where an epoch has no such log.
            skip = key == "epoch" or key in run_log.QUALITY_COLUMNS  # quality.png has those
            if not skip and not any(math.isnan(row[key]) for row in rows):
                axis.plot(epochs, [row[key] for row in rows], marker="o", label=key)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        axis.legend()
        figure.tight_layout()
        figure.savefig(self.png_path)
        pyplot.close(figure)
