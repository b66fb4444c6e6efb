"""Keras and TensorFlow imported without TensorFlow's C++ log lines (standard library only).

Apart from the rest of ``kgan.console`` so that the data pipelines can use it: it
imports no kgan module, so no floor-0 module above it can close a cycle through it.
"""

import contextlib
import os
import sys


def import_keras_quietly():
    """Imports Keras (and TensorFlow on its backend) without TensorFlow's C++ log lines.

    absl, oneDNN and CUDA print INFO/ERROR lines from C++ at import and first
    use ("oneDNN custom operations are on", "failed call to cuInit") that say
    nothing to a CPU user. TF_CPP_MIN_LOG_LEVEL silences most; the lines
    written before absl reads it need stderr itself closed during the import.
    Python errors still propagate as exceptions. On JAX and PyTorch nothing here
    imports TensorFlow: ``import_tensorflow_quietly`` does, where tf.data or a
    TensorFlow format needs it.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" in sys.modules:
        return
    with _stderr_closed():
        import keras

        if keras.config.backend() == "tensorflow":
            import tensorflow  # noqa: F401


def import_tensorflow_quietly():
    """TensorFlow, imported (once) without its C++ log lines; see ``import_keras_quietly``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_closed():
            import tensorflow  # noqa: F401
    return sys.modules["tensorflow"]


@contextlib.contextmanager
def _stderr_closed():
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
