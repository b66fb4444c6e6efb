"""The ``kgan`` console script: reads ``--backend`` before Keras is imported.

``import kgan`` imports Keras (to register kgan's classes), which fixes the backend.
The command imports kgan with ``KGAN_DEFER_KERAS=1`` instead, so that ``kgan
--help`` stays fast and ``--backend`` can still choose; each command then imports
Keras on the chosen backend. The variable is dropped again, so processes the
command starts import kgan as usual.
"""

import os


def main():
    os.environ["KGAN_DEFER_KERAS"] = "1"
    try:
        from kgan.cli import main as command
    finally:
        del os.environ["KGAN_DEFER_KERAS"]
    command()


if __name__ == "__main__":
    main()
