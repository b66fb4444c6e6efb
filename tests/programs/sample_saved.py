"""Run under another backend by test_serialization: load each saved case, sample, save."""

import json
import sys
from pathlib import Path

import numpy as np

import kgan


def main(folder, backend_name):
    folder = Path(folder)
    for case in json.loads((folder / "cases.json").read_text()):
        model = kgan.create(case["arch"], **case["config"])
        model.load_weights(case["weights"])
        latents = np.load(folder / f"{case['arch']}.latents.npy")
        samples = model.sample(len(latents), latents=latents)
        np.save(folder / f"{case['arch']}.{backend_name}.npy", samples)


if __name__ == "__main__":
    main(*sys.argv[1:])
