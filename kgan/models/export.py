"""Export of a model's generator for serving, in the formats Keras writes on this backend."""

import importlib.util
import warnings
from pathlib import Path

from kgan import backend, files


def choose_format(path, format: str | None) -> str:
    """``format``, or where it is None the one this backend writes: onnx for a path ending
    in ``.onnx`` (where the backend exports onnx), else the backend's first."""
    if format is not None:
        return format
    if Path(path).suffix.lower() == ".onnx" and "onnx" in backend.EXPORT_FORMATS:
        return "onnx"
    return next(iter(backend.EXPORT_FORMATS))


def export_network(network, path, format: str | None, input_signature) -> Path:
    """Writes ``network`` to ``path`` with ``Model.export``; never over an existing path.

    ``format`` is one of ``kgan.backend.EXPORT_FORMATS`` (None: ``choose_format``). A
    failed export leaves nothing behind (``kgan.files.write_atomically``).
    """
    format = choose_format(path, format)
    if format not in backend.EXPORT_FORMATS:
        raise ValueError(
            f"kgan: expected format as one of {', '.join(backend.EXPORT_FORMATS)} on the "
            f"{backend.name} backend (what Keras exports there); got {format!r}."
        )
    # Checked first: torch.onnx without onnx fails deep in its tracer, in 50 lines.
    missing = [name for name in backend.EXPORT_FORMATS[format] if not _installed(name)]
    if missing:
        raise ValueError(
            f"kgan: exporting {format} on {backend.name} needs {', '.join(missing)}, which "
            f"is not installed (pip install {' '.join(missing)})."
        )
    path = Path(path)
    if path.exists():
        raise ValueError(f"kgan: {path} exists already; choose another path to export to.")

    def write(temporary):
        try:
            with warnings.catch_warnings():
                # torch.onnx's tracer warns about Keras's shape arithmetic, static here.
                warnings.simplefilter("ignore")
                network.export(
                    temporary, format=format, verbose=False, input_signature=input_signature
                )
        except ImportError as error:  # tf2onnx, jax2onnx, onnxscript are optional
            raise ValueError(
                f"kgan: exporting {format} on {backend.name} needs a package that is not "
                f"installed: {files.error_reason(error, 'ImportError')}"
            ) from None

    files.write_atomically(path, write)
    return path


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that fails, or a None in sys.modules
        return False
