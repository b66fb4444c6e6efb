"""``python -m kgan.cli``: the kgan command."""

from kgan.cli import main

main()
