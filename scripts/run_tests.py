"""Runs the test suite once per Keras backend, each in its own process.

    python scripts/run_tests.py                    # tensorflow, jax and torch
    python scripts/run_tests.py --jobs 1           # one backend after another
    python scripts/run_tests.py -b jax -- -k gan   # one backend, extra pytest args

Exits non-zero if any backend fails. Keras picks its backend once per process
(KERAS_BACKEND), which is why each backend gets a process of its own. With
``--jobs`` N (default: the CPU count, at most 3) up to N backends run at once,
each into a log of its own that is printed whole when it ends, so the outputs
never interleave; the suites share nothing on disk but their own temporary folders.
"""

import os
import subprocess
import sys
import tempfile
import time

import click

BACKENDS = ("tensorflow", "jax", "torch")
# Longest first, so that with fewer jobs than backends the last to start is the shortest.
LONGEST_FIRST = ("jax", "tensorflow", "torch")


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--backend",
    "-b",
    "backends",
    multiple=True,
    type=click.Choice(BACKENDS),
    help="Backend to test (repeatable); default: all three.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, len(BACKENDS)),
    default=min(len(BACKENDS), os.cpu_count() or 1),
    show_default="the CPU count, at most 3",
    help="Backends tested at once.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def main(backends, jobs, pytest_args):
    """Run pytest under each Keras backend and summarise."""
    chosen = [b for b in LONGEST_FIRST if b in (backends or BACKENDS)]
    pending, running, results = list(chosen), {}, {}
    start_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kgan-tests-") as logs:
        while pending or running:
            while pending and len(running) < jobs:
                backend = pending.pop(0)
                log = open(os.path.join(logs, f"{backend}.log"), "w+")  # noqa: SIM115
                env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
                command = [sys.executable, "-m", "pytest", *pytest_args]
                process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                running[backend] = (process, log, time.perf_counter())
                click.echo(f"==== KERAS_BACKEND={backend} started", err=True)
            time.sleep(1)
            for backend, (process, log, started) in list(running.items()):
                if process.poll() is None:
                    continue
                del running[backend]
                results[backend] = (process.returncode, time.perf_counter() - started)
                log.seek(0)
                click.echo(f"==== KERAS_BACKEND={backend}", err=True)
                sys.stdout.write(log.read())
                sys.stdout.flush()
                log.close()
    click.echo("==== summary", err=True)
    for backend in chosen:
        code, seconds = results[backend]
        verdict = "passed" if code == 0 else f"FAILED (exit {code})"
        click.echo(f"{backend}: {verdict} in {seconds:.0f}s", err=True)
    click.echo(f"all: {time.perf_counter() - start_all:.0f}s with {jobs} at once", err=True)
    sys.exit(0 if all(code == 0 for code, _ in results.values()) else 1)


if __name__ == "__main__":
    main()
