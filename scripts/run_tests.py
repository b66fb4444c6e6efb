"""Runs the test suite once per Keras backend, each in its own process.

    python scripts/run_tests.py                 # tensorflow, jax and torch
    python scripts/run_tests.py -b jax -- -k gan   # one backend, extra pytest args

Exits non-zero if any backend fails. Keras picks its backend once per process
(KERAS_BACKEND), which is why each backend gets a process of its own.
"""

import os
import subprocess
import sys
import time

import click

BACKENDS = ("tensorflow", "jax", "torch")


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--backend",
    "-b",
    "backends",
    multiple=True,
    type=click.Choice(BACKENDS),
    help="Backend to test (repeatable); default: all three.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def main(backends, pytest_args):
    """Run pytest under each Keras backend and summarise."""
    results = {}
    for backend in backends or BACKENDS:
        click.echo(f"==== KERAS_BACKEND={backend}", err=True)
        start = time.perf_counter()
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        code = subprocess.call([sys.executable, "-m", "pytest", *pytest_args], env=env)
        results[backend] = (code, time.perf_counter() - start)
    click.echo("==== summary", err=True)
    for backend, (code, seconds) in results.items():
        verdict = "passed" if code == 0 else f"FAILED (exit {code})"
        click.echo(f"{backend}: {verdict} in {seconds:.0f}s", err=True)
    sys.exit(0 if all(code == 0 for code, _ in results.values()) else 1)


if __name__ == "__main__":
    main()
