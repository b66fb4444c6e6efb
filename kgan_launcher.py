"""The ``kgan`` console script: reads ``--backend`` before Keras is imported.

``import kgan`` imports Keras (to register kgan's classes), which fixes the backend.
The command imports kgan inside ``keras_deferred()`` instead, so that ``kgan --help``
stays fast and ``--backend`` can still choose; each command then imports Keras on the
chosen backend. Scripts that choose a backend themselves import kgan the same way.
"""

import contextlib
import os

DEFER_KERAS = "KGAN_DEFER_KERAS"


@contextlib.contextmanager
def keras_deferred():
    """kgan imported inside does not import Keras yet; the variable is put back after, so
    neither later imports nor the processes started later are affected."""
    previous = os.environ.get(DEFER_KERAS)
    os.environ[DEFER_KERAS] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[DEFER_KERAS]
        else:
            os.environ[DEFER_KERAS] = previous


def main():
    with keras_deferred():
        from kgan.cli import main as command
    command()


if __name__ == "__main__":
    main()
