"""Training runs: ``train_run(recipe, out)``, the one function behind ``kgan train`` and
``scripts/build_zoo.py``.

A run directory (``kgan.runs.RunDirectory``) holds one run, described by one
record (``kgan.runs.RunRecipe``). It is continued only with ``resume=True``
and the same recipe, and nothing in it is ever overwritten or deleted but
epoch checkpoints older than the newest ``keep_checkpoints``. One process at
a time works in it, nothing is written there before the recipe and the data
pass their checks, and every file is written crash-safely (``kgan.files``),
so a kill at any point leaves a directory that ``--resume`` continues.
"""

import math
import warnings

import keras

from kgan import callbacks, checks, data, quality, run_log, saving
from kgan.data.kinds import data_kind
from kgan.evaluator_training import cached_evaluator
from kgan.models import check_fits_in_memory, create, get_architecture
from kgan.models.optimizers import configured_optimizers
from kgan.runs import RunDirectory, RunRecipe
from kgan.zoo.catalog import is_zoo_name


def train_run(
    recipe: RunRecipe,
    out,
    *legacy_out,
    resume: bool = False,
    max_steps: int | None = None,
    tensorboard: bool = False,
    steps_per_execution: int = 1,
    keep_checkpoints: int | None = 3,
    eval_every: int | None = None,
    eval_samples: int = quality.QUICK_SAMPLES,
    verbose: int = 1,
    echo=print,
    **legacy_settings,
):
    """Trains ``recipe`` into the run directory ``out``; returns the trained model.

    Writes run.json, per-epoch checkpoints and sample grids, log.csv,
    losses.png and, at the end, config.json + model.weights.h5 (see the
    README). With ``resume=True`` it continues from the last checkpoint, with
    the batches and random numbers an uninterrupted run would have used; a run
    killed after its last checkpoint gets its final model written from it.

    The recipe's ``steps_per_epoch`` cuts every epoch to that many batches (a
    quick trial; the rest of each epoch's shuffled data is skipped,
    repeatably), its ``val_split`` holds out that share of the images (a
    seeded choice) as ``validation_data``: the logs and log.csv get
    ``val_d_loss``, ``val_g_loss``, ... measured without updates. Its
    ``backend`` is filled in with the one this process runs on.

    ``max_steps`` stops after that many steps in all, ending the run early
    with its final model. ``tensorboard`` also logs the losses and sample
    grids to ``out/tensorboard`` (needs the ``kgan[tensorboard]`` extra).
    ``steps_per_execution`` runs that many steps per compiled call
    (TensorFlow, JAX): the same weights, less dispatch; it is not part of the
    recipe, so a resume may change it. ``keep_checkpoints`` is how many of the
    newest epoch checkpoints stay on disk (``None``: all).

    ``eval_every`` measures the generator every that many epochs
    (``kgan.quality``: Fréchet distance, classifier score and balance on
    ``eval_samples`` samples) into log.csv, TensorBoard and quality.png. By
    default (None) it is every 5 epochs where the data is a zoo data set
    (mnist, fashion-mnist) and off elsewhere; 0 turns it off; a number on
    other labelled data trains (once, cached) an evaluator for it. A resumed
    run whose log.csv has no quality columns stays without, unless asked.

    Example:

    >>> from kgan.runs import RunRecipe
    >>> from kgan.training import train_run
    >>> recipe = RunRecipe.create("dcgan", "idx:/usr/share/datasets/fashion-mnist", epochs=1)
    >>> model = train_run(recipe, "runs/fashion")  # doctest: +SKIP

    The 0.2 call ``train_run(architecture, data_spec, out, epochs=..., ...)``
    still works, with a DeprecationWarning.
    """
    if not isinstance(recipe, RunRecipe):
        recipe, out = _recipe_of_0_2_call(recipe, out, legacy_out, legacy_settings)
    elif legacy_out or legacy_settings:
        raise TypeError("kgan: train_run(recipe, out, ...) takes the run's settings in the recipe.")
    run = RunDirectory(out)
    get_architecture(recipe.architecture)  # an unknown name fails before any work
    recipe = _on_this_backend(recipe)
    if max_steps is not None:
        max_steps = checks.positive_int("max_steps", max_steps)
    if tensorboard:
        _check_tensorboard()
    # The recipe and the data are checked before anything is written to out.
    check_fits_in_memory(recipe.architecture, recipe.config)
    keras.utils.set_random_seed(recipe.seed)
    model = create(recipe.architecture, **recipe.config)
    kind = data_kind(model)
    # Pairs and domains travel as two arrays where the others have (images, labels).
    labels = kind.name != "images" or model.num_classes is not None
    arrays = validation_data = epoch_steps = None
    kind.check(recipe.data, recipe.architecture)
    if recipe.val_split is not None and not kind.holds_out:
        raise ValueError(
            f"kgan: {recipe.architecture} trains on {kind.description}, which hold no pairs "
            "out for --val-split; measure the model with kgan evaluate."
        )
    if recipe.data.in_memory:  # tfds data streams; fit() checks it
        arrays = kind.read(recipe.data, model)
        if recipe.val_split is not None:
            arrays, validation_data = data.hold_out(
                arrays, recipe.val_split, recipe.seed, labels=labels
            )
        epoch_steps = data.steps_per_epoch_of(
            len(arrays[0]), recipe.batch_size, recipe.steps_per_epoch
        )
    model.compile(
        *configured_optimizers(model, recipe.optimizers),
        # Whole calls that also end exactly at max_steps (every stop is a multiple of the gcd).
        steps_per_execution=steps_per_call(
            steps_per_execution,
            math.gcd(epoch_steps, max_steps) if epoch_steps and max_steps else epoch_steps,
        ),
    )
    if resume and eval_every is None and run_log.logs_quality(run.log) is False:
        eval_every = 0  # a run resumed as it began: its log.csv keeps its columns
    monitor = quality_monitor(recipe, model, eval_every, eval_samples, run, echo)
    run.check_holds(recipe, resume)  # a foreign folder is refused before any write
    with run.lock():
        run.check_holds(recipe, resume)  # again: another process may have started it
        start_epoch = 0
        if resume:
            start_epoch = callbacks.restore_latest(model, run.checkpoints, warn=echo)
            if start_epoch == 0 and run.is_finished():
                # Its checkpoints are gone: training again would replace a finished model.
                raise ValueError(
                    f"{out} holds a finished model but no checkpoint to continue from; it is "
                    "left as it is (train again into another --out)."
                )
        steps_done = None
        if max_steps is not None:  # epochs done count whole (tfds: unknown, so none)
            steps_done = start_epoch * (epoch_steps or 0)
        if start_epoch >= recipe.epochs or (steps_done is not None and steps_done >= max_steps):
            if run.is_finished():
                raise ValueError(
                    f"{out} has finished {start_epoch} epochs already; ask for more --epochs."
                )
            # Killed between its last checkpoint and the final save: finish it now.
            saving.save_model_folder(model, out, recipe.optimizers)
            echo(f"done (final model written from epoch {start_epoch}): {_load_hint(out)}")
            return model
        dataset, steps = data.load_epochs(
            recipe.data,
            recipe.batch_size,
            seed=recipe.seed,
            start_epoch=start_epoch,
            labels=labels,
            arrays=arrays,
            steps_per_epoch=recipe.steps_per_epoch,
        )
        run.write_recipe(recipe)
        run_log.keep_log_rows(run.log, start_epoch, warn=echo)
        last, until = recipe.epochs, ""
        if max_steps is not None:
            until = f", stopping after step {max_steps}"
            if epoch_steps:
                last = min(last, start_epoch + -(-(max_steps - steps_done) // epoch_steps))
        echo(
            f"kgan {recipe.architecture} on {recipe.backend}: epochs {start_epoch + 1}..{last} "
            f"into {out}{until}"
        )
        if monitor is not None:
            now = monitor.measure(model)
            echo(
                f"quality every {monitor.every} epochs with the {monitor.evaluator.name} "
                f"evaluator ({monitor.num_samples:,} samples, {now['seconds']:.1f} s each); "
                f"Fréchet {now['frechet_distance']:.1f} at epoch {start_epoch} (--eval-every 0: "
                "off)"
            )
        model.fit(
            dataset,
            epochs=recipe.epochs,
            initial_epoch=start_epoch,
            steps_per_epoch=steps,
            validation_data=validation_data,
            validation_batch_size=recipe.batch_size,
            verbose=verbose,
            shuffle=False,  # load_epochs shuffles, repeatably
            callbacks=run_callbacks(
                run,
                recipe.seed,
                max_steps,
                steps_done,
                tensorboard,
                keep_checkpoints,
                echo,
                monitor,
                grid=grid_of(run, model, arrays, run.tensorboard if tensorboard else None),
            ),
        )
        stop = getattr(model, "non_finite_stop", None)
        if stop:
            raise ValueError(f"stopped: {_describe_stop(stop)}; {_last_good(run)}")
        saving.save_model_folder(model, out, recipe.optimizers)
    echo(f"done: {_load_hint(out)}")
    return model


def run_callbacks(
    run: RunDirectory,
    seed,
    max_steps,
    steps_done,
    tensorboard,
    keep_checkpoints,
    warn=print,
    monitor=None,
    grid=None,
):
    """The callbacks of a training run, in the order that keeps a resume exact.

    ``grid`` writes each epoch's picture (default: a ``SampleGrid`` from ``seed``).

    The quality monitor comes before the logs (it adds to the epoch's logs);
    the checkpoint comes last: it marks an epoch done, so everything that
    epoch writes (log row, grid) is on disk before a resume would skip it.
    """
    summaries = run.tensorboard if tensorboard else None
    stop = None if max_steps is None else callbacks.StopAfterSteps(max_steps, steps_done)
    extra = [] if stop is None else [stop]
    monitor_columns = () if monitor is None else run_log.QUALITY_COLUMNS
    if monitor is not None:
        extra.append(monitor)
    if summaries is not None:  # after the monitor: TensorBoard gets its numbers too
        extra.append(keras.callbacks.TensorBoard(str(summaries)))
    return [
        callbacks.StopOnNonFiniteLoss(),
        *extra,
        callbacks.CSVLog(str(run.log), append=True, warn=warn, columns=monitor_columns),
        callbacks.LossCurve(run.log, run.loss_plot),
        *([] if monitor is None else [quality.QualityCurve(monitor, run.log, run.quality_plot)]),
        grid or callbacks.SampleGrid(run.samples, seed=seed, summary_dir=summaries),
        callbacks.Checkpoint(run.checkpoints, keep=keep_checkpoints),
        # Last, as Keras puts its own: the epoch's line then shows every callback's logs.
        *([] if stop is None else [callbacks.StepsProgbar(stop)]),
    ]


GRID_PAIRS = 8  # the pairs a translator's epoch pictures show


def grid_of(run: RunDirectory, model, arrays, summaries=None):
    """The epoch picture of a run: samples (None: ``run_callbacks``'s default), or for a
    translator its ``comparison`` of the first pairs (paired data is always in memory)."""
    if data_kind(model).name == "images":
        return None
    inputs, targets = arrays
    return callbacks.TranslationGrid(
        run.samples, inputs[:GRID_PAIRS], targets[:GRID_PAIRS], summary_dir=summaries
    )


def quality_monitor(recipe, model, eval_every, num_samples, run, echo=print):
    """The run's ``quality.QualityMonitor``, or None where it is off (see ``train_run``)."""
    if eval_every is not None:
        eval_every = checks.bounded_int("eval_every", eval_every, 0, 100_000)
    if eval_every == 0:
        return None
    if data_kind(model).name != "images":
        if eval_every is None:
            return None
        raise ValueError(
            "kgan: --eval-every measures samples from latents; an image-to-image run is "
            "measured after training (pass --eval-every 0)."
        )
    evaluator = quality.zoo_evaluator_for(recipe.data, model)
    if evaluator is None and eval_every is None:
        return None
    if evaluator is None:
        if not recipe.data.in_memory:
            raise ValueError(
                f"kgan: --eval-every on {recipe.data} needs an evaluator of that data; train one "
                "from files (kgan evaluator train --data idx:|npz:|folder:...) and evaluate runs "
                "with kgan evaluate --evaluator DIR."
            )
        evaluator = cached_evaluator(recipe.data, echo=echo)
        evaluator.check_fits(model, f"this {recipe.architecture}")
    return quality.QualityMonitor(
        evaluator,
        eval_every or quality.DEFAULT_EVERY,
        checks.bounded_int("eval_samples", num_samples, 10, 100_000),
        echo=echo,
    )


def _recipe_of_0_2_call(architecture, data_spec, legacy_out, settings):
    warnings.warn(
        "kgan: train_run(architecture, data_spec, out, epochs=..., ...) is deprecated; pass a "
        "kgan.runs.RunRecipe: train_run(RunRecipe.create(architecture, data_spec, epochs=...), "
        "out).",
        DeprecationWarning,
        stacklevel=3,
    )
    if len(legacy_out) != 1:
        raise TypeError("kgan: train_run(architecture, data_spec, out, ...) needs out.")
    return RunRecipe.create(architecture, data_spec, **settings), legacy_out[0]


def _on_this_backend(recipe: RunRecipe) -> RunRecipe:
    """The recipe with this process's backend; a recipe for another backend is refused."""
    backend = keras.config.backend()
    if recipe.backend not in (None, backend):
        raise ValueError(
            f"kgan: this run trains on {recipe.backend}, but Keras runs on {backend} here; "
            f"run it with --backend {recipe.backend}."
        )
    return recipe.replace(backend=backend)


def steps_per_call(steps_per_execution: int, epoch_steps: int | None) -> int:
    """The largest N <= ``steps_per_execution`` that divides the epoch's steps.

    Keras runs whole calls of N steps, so with N not dividing the epoch it
    would run past the epoch's last batch into the next epoch's, and a resumed
    run (which rebuilds each epoch's batches) would no longer match.
    """
    steps = checks.bounded_int(
        "steps_per_execution", steps_per_execution, 1, checks.MAX_SIZES["steps_per_execution"]
    )
    if not epoch_steps:
        return steps
    return max(n for n in range(1, steps + 1) if epoch_steps % n == 0)


def _load_hint(out) -> str:
    """``kgan.load(...)`` as it works when pasted: a bare name would mean a zoo entry."""
    text = str(out)
    return f"kgan.load({(text if not is_zoo_name(text) else f'./{text}')!r})"


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


def _last_good(run: RunDirectory) -> str:
    checkpoints = callbacks.complete_checkpoints(run.checkpoints)
    if not checkpoints:
        return "no checkpoint was written before it (lower the learning rates or check the data)."
    return f"the last good checkpoint is {checkpoints[0]}."
