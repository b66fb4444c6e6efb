"""Timing callbacks for fit(): per-epoch wall time, and kgan interleaved with a native block.

Shared by ``scripts/benchmark_worker.py`` and ``scripts/recipe_quality.py``; run
in a process whose Keras backend is chosen already.
"""

import time

import keras


def interleaved_timer(native_block):
    """A callback that times each fit() epoch and runs a timed native block after it.

    Only epoch hooks: a batch hook would make Keras turn the logs into Python
    numbers after every batch (a device sync) and stop dispatching callbacks
    asynchronously, which a user's fit() does not pay for.
    """

    class InterleavedTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.kgan_times, self.native_times, self.start = [], [], None

        def on_epoch_end(self, epoch, logs=None):
            # The logs are Python numbers by now: the epoch's work is done.
            if self.start is not None:
                self.kgan_times.append(time.perf_counter() - self.start)
            self.native_times.append(native_block())  # the first one is its warm-up
            self.start = time.perf_counter()

    return InterleavedTimer()


def timed_fit(model, data, batch_size, steps, repeats, timer):
    """One fit() of 1 + ``repeats`` epochs of ``steps`` batches, timed by the ``timer`` callback."""
    model.fit(
        *data,
        batch_size=batch_size,
        epochs=1 + repeats,
        steps_per_epoch=steps,
        verbose=0,
        shuffle=False,
        callbacks=[timer],
    )


def epoch_timer():
    """A callback that records the wall time of each fit() epoch (epoch hooks only)."""

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times, self.start = [], None

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    return EpochTimer()
