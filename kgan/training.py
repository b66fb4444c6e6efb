"""Training runs: one function behind ``kgan train`` and ``scripts/build_zoo.py``.

A run directory holds one run. It is continued only with ``resume=True`` and
the same settings, and nothing in it is ever overwritten or deleted.
"""

import json
from pathlib import Path

RUN_FILE = "run.json"
_IDENTITY = ("architecture", "config", "data", "batch_size", "seed", "backend")


def check_run_directory(out: Path, run: dict, resume: bool):
    """Raises ValueError unless ``out`` is new, empty, or holds this same run (with resume)."""
    run_file = out / RUN_FILE
    if run_file.is_file():
        previous = json.loads(run_file.read_text())
        if not resume:
            raise ValueError(
                f"{out} already holds a run; pass --resume to continue it, or choose another --out."
            )
        changed = sorted(key for key in _IDENTITY if previous.get(key) != run[key])
        if changed:
            raise ValueError(
                f"{out} holds a different run (its {', '.join(changed)} differ); "
                "choose another --out."
            )
    elif out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty and holds no kgan run; choose another --out.")


def is_finished(out) -> bool:
    """Whether a run directory holds its final model."""
    from kgan.loading import CONFIG_FILE, WEIGHTS_FILE

    return (Path(out) / CONFIG_FILE).is_file() and (Path(out) / WEIGHTS_FILE).is_file()


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
    verbose: int = 1,
    echo=print,
):
    """Trains ``architecture`` on ``data_spec`` into the run directory ``out``.

    Writes run.json, per-epoch checkpoints and sample grids, log.csv,
    losses.png and, at the end, config.json + model.weights.h5 (see the
    README). With ``resume=True`` it continues from the last checkpoint, with
    the batches and random numbers an uninterrupted run would have used.

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
    data.DataSpec.parse(data_spec)
    run = {
        "architecture": architecture,
        "config": config,
        "data": data_spec,
        "batch_size": batch_size,
        "seed": seed,
        "backend": keras.config.backend(),
        "epochs": epochs,
    }
    check_run_directory(out, run, resume)

    keras.utils.set_random_seed(seed)
    model = models.create(architecture, **config)
    model.compile()
    checkpoint_path, state = callbacks.latest_checkpoint(out / "checkpoints")
    start_epoch = 0
    if resume and state:
        start_epoch = callbacks.restore_checkpoint(model, checkpoint_path, state)
    if start_epoch >= epochs:
        raise ValueError(f"{out} has finished {start_epoch} epochs already; ask for more --epochs.")
    dataset, steps = data.load_epochs(
        data_spec,
        batch_size,
        seed=seed,
        start_epoch=start_epoch,
        labels=model.num_classes is not None,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n")
    callbacks.keep_log_rows(out / "log.csv", start_epoch)
    echo(f"kgan {architecture} on {run['backend']}: epochs {start_epoch + 1}..{epochs} into {out}")
    model.fit(
        dataset,
        epochs=epochs,
        initial_epoch=start_epoch,
        steps_per_epoch=steps,
        verbose=verbose,
        shuffle=False,  # load_epochs shuffles, repeatably
        # The checkpoint comes last: it marks an epoch done, so everything that
        # epoch writes (log row, grid) is on disk before a resume would skip it.
        callbacks=[
            callbacks.StopOnNonFiniteLoss(),
            keras.callbacks.CSVLogger(str(out / "log.csv"), append=True),
            callbacks.LossCurve(out / "log.csv", out / "losses.png"),
            callbacks.SampleGrid(out / "samples", seed=seed),
            callbacks.Checkpoint(out / "checkpoints"),
        ],
    )
    if getattr(model, "non_finite_stop", None):
        raise ValueError(
            f"stopped: non-finite loss at batch {model.non_finite_stop['batch']}; "
            f"the last good checkpoint is in {out / 'checkpoints'}."
        )
    loading.save_model_folder(model, out)
    echo(f"done: kgan.load({str(out)!r})")
    return model
