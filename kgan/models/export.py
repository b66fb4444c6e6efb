"""Export of a model's generator for serving, in the formats Keras writes on this backend."""

import warnings
from pathlib import Path

from kgan import backend, files


def export_network(network, path, format: str, input_signature) -> Path:
    """Writes ``network`` to ``path`` with ``Model.export``; never over an existing path.

    ``format`` is one of ``kgan.backend.EXPORT_FORMATS``. A failed export
    leaves nothing behind (``kgan.files.write_atomically``).
    """
    if format not in backend.EXPORT_FORMATS:
        raise ValueError(
            f"kgan: expected format as one of {', '.join(backend.EXPORT_FORMATS)} on the "
            f"{backend.name} backend (what Keras exports there); got {format!r}."
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
