"""Training runs: one function behind ``kgan train`` and ``scripts/build_zoo.py``.

A run directory holds one run. It is continued only with ``resume=True`` and
the same settings, and nothing in it is ever overwritten or deleted but
epoch checkpoints older than the newest ``keep_checkpoints``. One
process at a time works in it (an exclusive lock, ``.kgan.lock``), nothing is
written there before the settings and the data pass their checks, and every
file is written crash-safely (``kgan.files``), so a kill at any point leaves
a directory that ``--resume`` continues.
"""

import contextlib
import fcntl
import json
import os
from pathlib import Path

from kgan import files

RUN_FILE = "run.json"
LOCK_FILE = ".kgan.lock"
_IDENTITY = (
    "architecture",
    "config",
    "data",
    "batch_size",
    "seed",
    "backend",
    "steps_per_epoch",
    "val_split",
    "optimizers",
)


def read_run(run_file: Path) -> dict:
    """A run.json as a dict; a missing, corrupt or foreign file is a one-line ValueError."""
    try:
        run = json.loads(run_file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"kgan: {run_file} is not a readable kgan run file.") from None
    if not isinstance(run, dict):
        raise ValueError(f"kgan: {run_file} is not a kgan run file.")
    return run


def run_settings(
    architecture: str,
    data_spec: str,
    *,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
    config: dict | None = None,
    steps_per_epoch: int | None = None,
    val_split: float | None = None,
    optimizers: dict | None = None,
) -> dict:
    """The run's settings as run.json records them (the current backend's)."""
    import keras

    return {
        "architecture": architecture,
        "config": dict(config or {}),
        "data": data_spec,
        "batch_size": batch_size,
        "seed": seed,
        "backend": keras.config.backend(),
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "val_split": val_split,
        "optimizers": check_optimizers(optimizers),
    }


def changed_settings(recorded: dict, run: dict, also: tuple[str, ...] = ()) -> list[str]:
    """The names of the settings that make ``recorded`` another run than ``run``.

    Only the identity counts (a resume may ask for more epochs); ``also`` adds
    keys, e.g. ``("epochs",)`` to ask for the very run that finished.
    """
    return sorted(key for key in (*_IDENTITY, *also) if recorded.get(key) != run[key])


def check_run_directory(out: Path, run: dict, resume: bool):
    """Raises ValueError unless ``out`` is new, empty, or holds this same run (with resume)."""
    run_file = out / RUN_FILE
    if run_file.is_file():
        previous = read_run(run_file)
        if not resume:
            raise ValueError(
                f"{out} already holds a run; pass --resume to continue it, or choose another --out."
            )
        changed = changed_settings(previous, run)
        if changed:
            raise ValueError(
                f"{out} holds a different run (its {', '.join(changed)} differ); "
                "choose another --out."
            )
    elif out.exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
        raise ValueError(f"{out} is not empty and holds no kgan run; choose another --out.")


@contextlib.contextmanager
def run_lock(out: Path):
    """Holds an exclusive lock on the run directory ``out`` (created if need be).

    A second process gets a one-line ValueError naming the holder's PID. The
    lock is the kernel's (``flock``), so a killed holder releases it.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK_FILE, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as error:
        raise ValueError(f"kgan: cannot use {out}: {error.strerror or error}.") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ValueError(
                f"kgan: {out} is in use by another kgan process (PID {holder}); wait for it "
                "to finish, or choose another --out."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_finished(out) -> bool:
    """Whether a run directory holds its final model, and the model verifies."""
    from kgan.loading import verify_model_folder

    try:
        verify_model_folder(out)
    except ValueError:
        return False
    return True


def train_run(
    architecture: str,
    data_spec: str,
    out,
    *,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
    config: dict | None = None,
    resume: bool = False,
    steps_per_epoch: int | None = None,
    max_steps: int | None = None,
    val_split: float | None = None,
    tensorboard: bool = False,
    steps_per_execution: int = 1,
    optimizers: dict | None = None,
    keep_checkpoints: int | None = 3,
    verbose: int = 1,
    echo=print,
):
    """Trains ``architecture`` on ``data_spec`` into the run directory ``out``.

    Writes run.json, per-epoch checkpoints and sample grids, log.csv,
    losses.png and, at the end, config.json + model.weights.h5 (see the
    README). With ``resume=True`` it continues from the last checkpoint, with
    the batches and random numbers an uninterrupted run would have used; a run
    killed after its last checkpoint gets its final model written from it.

    For quick trials, ``steps_per_epoch`` cuts every epoch to that many
    batches (the rest of each epoch's shuffled data is skipped, repeatably)
    and ``max_steps`` stops after that many steps in all, ending the run
    early with its final model. ``val_split`` holds out that share of the
    images (a seeded choice) as ``validation_data``: the logs and log.csv get
    ``val_d_loss``, ``val_g_loss``, ... measured without updates.
    ``tensorboard`` also logs the losses and sample grids to ``out/tensorboard``
    (needs the ``kgan[tensorboard]`` extra). ``steps_per_execution`` runs that
    many steps per compiled call (TensorFlow, JAX): the same weights, less
    dispatch; it is not part of the run's settings, so a resume may change it.
    ``optimizers`` sets the Adam hyperparameters of each network, e.g.
    ``{"d": {"learning_rate": 4e-4, "beta_1": 0.0}, "g": {"learning_rate": 1e-4}}``
    (keys ``learning_rate``, ``beta_1``, ``beta_2``; the rest keep
    ``default_optimizers()``'s values). ``keep_checkpoints`` is how many of the
    newest epoch checkpoints stay on disk (``None``: all).

    Example:

    >>> from kgan.training import train_run
    >>> fashion = "idx:/usr/share/datasets/fashion-mnist"
    >>> model = train_run("dcgan", fashion, "runs/fashion", epochs=1)  # doctest: +SKIP
    """
    import keras

    from kgan import callbacks, data, loading, models

    out = Path(out)
    config = dict(config or {})
    models.get_architecture(architecture)  # an unknown name fails before any work
    spec = data.DataSpec.parse(data_spec)
    if steps_per_epoch is not None:
        steps_per_epoch = _positive_int("steps_per_epoch", steps_per_epoch)
    if max_steps is not None:
        max_steps = _positive_int("max_steps", max_steps)
    if val_split is not None:
        if isinstance(val_split, bool) or not 0.0 < float(val_split) < 1.0:
            raise ValueError(f"kgan: expected val_split in (0, 1), e.g. 0.1; got {val_split!r}.")
        if spec.scheme == "tfds":
            raise ValueError(
                "kgan: val_split needs data read into memory; for tfds give a held-out split "
                "through the Python API's validation_data."
            )
    if tensorboard:
        _check_tensorboard()
    run = run_settings(
        architecture,
        data_spec,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        config=config,
        steps_per_epoch=steps_per_epoch,
        val_split=val_split,
        optimizers=optimizers,
    )
    # Settings and data are checked before anything is written to out.
    keras.utils.set_random_seed(seed)
    model = models.create(architecture, **config)
    arrays = validation_data = epoch_steps = None
    if spec.scheme != "tfds":  # tfds data streams; fit() checks it
        arrays = data.read_arrays(data_spec)
        data.check_shapes(data_spec, *arrays, model.image_shape, model.num_classes)
        if val_split is not None:
            arrays, validation_data = data.hold_out(
                arrays, val_split, seed, labels=model.num_classes is not None
            )
        epoch_steps = data.steps_per_epoch_of(len(arrays[0]), batch_size, steps_per_epoch)
    model.compile(
        *configured_optimizers(model, run["optimizers"]),
        steps_per_execution=whole_calls(steps_per_execution, epoch_steps),
    )
    check_run_directory(out, run, resume)  # a foreign folder is refused before any write
    with run_lock(out):
        check_run_directory(out, run, resume)  # again: another process may have started it
        start_epoch = 0
        if resume:
            start_epoch = callbacks.restore_latest(model, out / "checkpoints", warn=echo)
        steps_done = None
        if max_steps is not None:  # epochs done count whole (tfds: unknown, so none)
            steps_done = start_epoch * (epoch_steps or 0)
        if start_epoch >= epochs or (steps_done is not None and steps_done >= max_steps):
            if is_finished(out):
                raise ValueError(
                    f"{out} has finished {start_epoch} epochs already; ask for more --epochs."
                )
            # Killed between its last checkpoint and the final save: finish it now.
            loading.save_model_folder(model, out, run["optimizers"])
            echo(f"done (final model written from epoch {start_epoch}): kgan.load({str(out)!r})")
            return model
        dataset, steps = data.load_epochs(
            data_spec,
            batch_size,
            seed=seed,
            start_epoch=start_epoch,
            labels=model.num_classes is not None,
            arrays=arrays,
            steps_per_epoch=steps_per_epoch,
        )
        files.write_text_atomically(out / RUN_FILE, json.dumps(run, indent=2) + "\n")
        callbacks.keep_log_rows(out / "log.csv", start_epoch)
        first = start_epoch + 1
        echo(f"kgan {architecture} on {run['backend']}: epochs {first}..{epochs} into {out}")
        summaries = out / "tensorboard" if tensorboard else None
        extra = [] if max_steps is None else [callbacks.StopAfterSteps(max_steps, steps_done)]
        if summaries is not None:
            extra.append(keras.callbacks.TensorBoard(str(summaries)))
        model.fit(
            dataset,
            epochs=epochs,
            initial_epoch=start_epoch,
            steps_per_epoch=steps,
            validation_data=validation_data,
            validation_batch_size=batch_size,
            verbose=verbose,
            shuffle=False,  # load_epochs shuffles, repeatably
            # The checkpoint comes last: it marks an epoch done, so everything that
            # epoch writes (log row, grid) is on disk before a resume would skip it.
            callbacks=[
                callbacks.StopOnNonFiniteLoss(),
                *extra,
                callbacks.CSVLog(str(out / "log.csv"), append=True),
                callbacks.LossCurve(out / "log.csv", out / "losses.png"),
                callbacks.SampleGrid(out / "samples", seed=seed, summary_dir=summaries),
                callbacks.Checkpoint(out / "checkpoints", keep=keep_checkpoints),
            ],
        )
        stop = getattr(model, "non_finite_stop", None)
        if stop:
            raise ValueError(f"stopped: {_describe_stop(stop)}; {_last_good(out)}")
        loading.save_model_folder(model, out, run["optimizers"])
    echo(f"done: kgan.load({str(out)!r})")
    return model


# The optimizer settings a run may change (the CLI's --d-lr etc. and a recipe's "optimizers").
OPTIMIZER_KEYS = ("learning_rate", "beta_1", "beta_2")


def check_optimizers(optimizers: dict | None) -> dict | None:
    """``optimizers`` checked: {"d"|"g": {one of OPTIMIZER_KEYS: number}}, or None."""
    if optimizers is None:
        return None
    expected = 'e.g. {"d": {"learning_rate": 4e-4, "beta_1": 0.0}, "g": {"learning_rate": 1e-4}}'
    if not isinstance(optimizers, dict) or not set(optimizers) <= {"d", "g"}:
        raise ValueError(f"kgan: expected optimizers as a dict with keys d and g, {expected}.")
    checked = {}
    for role, settings in optimizers.items():
        if not isinstance(settings, dict) or not set(settings) <= set(OPTIMIZER_KEYS):
            raise ValueError(
                f"kgan: optimizers[{role!r}] may set {', '.join(OPTIMIZER_KEYS)}; got {settings!r}."
            )
        for key, value in settings.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"kgan: optimizers[{role!r}][{key!r}] must be a number >= 0.")
        checked[role] = {key: float(value) for key, value in sorted(settings.items())}
    return checked or None


def configured_optimizers(model, optimizers: dict | None):
    """(d_optimizer, g_optimizer): the model's defaults with ``optimizers``' settings applied.

    Each default keeps its class and its other settings (an ``AdamW`` keeps its
    weight decay); a setting the default optimizer lacks is a one-line error.
    """
    defaults = model.default_optimizers()
    if not optimizers:
        return defaults
    built = []
    for role, default in zip(("d", "g"), defaults, strict=True):
        settings = default.get_config()
        asked = optimizers.get(role, {})
        missing = sorted(set(asked) - set(settings))
        if missing:
            raise ValueError(
                f"kgan: optimizers[{role!r}] sets {', '.join(missing)}, which "
                f"{type(model).__name__}'s {type(default).__name__} has not; set only "
                f"{', '.join(key for key in OPTIMIZER_KEYS if key in settings)}."
            )
        built.append(type(default).from_config({**settings, **asked}))
    return tuple(built)


def whole_calls(steps_per_execution: int, epoch_steps: int | None) -> int:
    """The largest N <= ``steps_per_execution`` that divides the epoch's steps.

    Keras runs whole calls of N steps, so with N not dividing the epoch it
    would run past the epoch's last batch into the next epoch's, and a resumed
    run (which rebuilds each epoch's batches) would no longer match.
    """
    if not epoch_steps:
        return steps_per_execution
    return max(n for n in range(1, steps_per_execution + 1) if epoch_steps % n == 0)


def _positive_int(name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"kgan: expected {name} as an integer >= 1; got {value!r}.")
    return value


def _check_tensorboard():
    try:
        import tensorboard  # noqa: F401 - keras.callbacks.TensorBoard needs it
    except ImportError:
        raise ValueError(
            "kgan: --tensorboard needs TensorBoard: pip install 'kgan[tensorboard]'."
        ) from None


def _describe_stop(stop: dict) -> str:
    if "weight" in stop:
        return f"non-finite weights ({stop['weight']}) after epoch {stop['epoch']}"
    return f"non-finite loss at batch {stop['batch']}"


def _last_good(out: Path) -> str:
    from kgan import callbacks

    checkpoints = callbacks.complete_checkpoints(out / "checkpoints")
    if not checkpoints:
        return "no checkpoint was written before it (lower the learning rates or check the data)."
    return f"the last good checkpoint is {checkpoints[0]}."
