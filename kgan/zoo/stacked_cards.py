"""The card and zoo table of a Stacked-MNIST entry (``dataset: stacked-mnist``).

Pure text from ``ZooEntry`` records, as ``kgan.zoo.cards`` for the other
noise-to-image entries. Its ``metrics.json`` is ``kgan.stacked_mnist.measure``'s
result: modes covered of 1,000 and reverse KL, beside as many real stacks; its
recipe's ``search`` is the ablation (each run with its modes and reverse KL).
"""

import json

from kgan.datasets import measured_on
from kgan.zoo.catalog import SAMPLES_FILE, ZooEntry
from kgan.zoo.markdown import (
    files_section,
    hub_front_matter,
    not_measured,
    number,
    provenance_lines,
    table,
    verdict,
)

HUB_METRICS = {
    "modes": "modes covered of 1,000 (Stacked-MNIST, kgan mnist evaluator per channel)",
    "reverse_kl": "reverse KL to the uniform mode distribution (nats)",
}


def front_matter(entry: ZooEntry) -> str:
    """The Hugging Face Hub's model-card metadata of a Stacked-MNIST entry."""
    tags = ["kgan", "keras", "gan", entry.architecture, "image-generation", "stacked-mnist"]
    metrics = [(key, name, entry.metrics[key]) for key, name in HUB_METRICS.items()]
    return hub_front_matter(
        entry.name, measured_on(entry.dataset), "unconditional-image-generation", tags, metrics
    )


def quality_table(result: dict) -> str:
    """Modes and reverse KL of the samples beside real stacks', then the targets."""
    histogram = result["mode_histogram"]
    rows = [
        ("modes covered (of 1,000)", result["modes"], result["real_modes"]),
        ("reverse KL (nats)", f"{result['reverse_kl']:.4f}", f"{result['real_reverse_kl']:.4f}"),
        ("samples in the rarest / commonest mode", f"{min(histogram)} / {max(histogram)}", "—"),
    ]
    targets = [
        (t["target"], number(t["value"]), t["goal"], "met" if t["met"] else "**missed**")
        for t in result["targets"]
    ]
    return (
        table(["metric", "this model", "real stacks (held-out digits)"], rows)
        + "\n\n"
        + table(["target", "value", "goal", "result"], targets)
    )


def truncation_section(result: dict) -> str:
    """Modes and reverse KL at each truncation ψ that metrics.json records."""
    rows = result.get("truncation")
    if not rows:
        return not_measured(result["source"], "truncation")
    lines = [(f"{row['psi']:g}", row["modes"], f"{row['reverse_kl']:.4f}") for row in rows]
    return (
        f"`kgan evaluate {result['source']} --dataset stacked-mnist --truncation ψ` (ψ "
        "scales the latents toward their mean):\n\n"
        + table(["ψ", "modes covered", "reverse KL"], lines)
    )


def ablation_section(search: dict | None) -> str:
    """The recipe search: each run's recipe, length, time, modes and reverse KL; the choice."""
    if not search:
        return "No recipe search is recorded for this entry."
    rows = [
        (
            trial["run"],
            trial["changes"],
            trial["epochs"],
            "—" if trial.get("seconds") is None else f"{trial['seconds'] / 60:.0f}",
            trial["modes"],
            f"{trial['reverse_kl']:.3f}",
        )
        for trial in search["trials"]
    ]
    header = ["run", "recipe", "epochs", "minutes", "modes", "reverse KL"]
    return f"{search.get('setting', '')}\n\n{table(header, rows)}\n\n{search['why']}".lstrip()


def render_stacked_card(entry: ZooEntry) -> str:
    """The model card (README.md) of a Stacked-MNIST entry."""
    recipe, prov, result = entry.recipe, entry.provenance, entry.metrics
    check = entry.manifest["check"]
    check = (
        f"the middle pixel row of the red channel of\n  {check['count']} samples from numpy "
        f"latents, seed {check['seed']}"
    )
    protocol, digits = result["protocol"], measured_on(entry.dataset)
    return f"""{front_matter(entry)}
# {entry.name}

A {entry.architecture} trained with kgan on Stacked-MNIST: three MNIST digits as the red, green
and blue channels of one 28x28x3 image, so 1,000 modes, one per digit triple; the standard
mode-coverage benchmark (PacGAN, R3GAN). Load it offline:

```python
import kgan

model = kgan.load("{entry.name}")  # sha256-checked; generator and discriminator
images = model.sample(16, seed=0)  # float32 (16, 28, 28, 3) in [-1, 1]
```

![samples]({SAMPLES_FILE})

`{SAMPLES_FILE}`: 100 samples, seed 0.

## Training

- Architecture: `{recipe.architecture}`, config `{json.dumps(recipe.config)}`
- Data: spec `{recipe.data}`, stacks of three digits each drawn from {digits.description},
  labelled 100a + 10b + c
- {recipe.epochs} epochs, batch size {recipe.batch_size}, seed {recipe.seed}
{provenance_lines(prov)}

## Measured quality

`kgan evaluate {entry.name} --dataset stacked-mnist`: {protocol["num_samples"]:,} samples
(seed {protocol["seed"]}), each channel classified by the {result["evaluator"]} evaluator
(`zoo/evaluators/{digits.name}/`), beside as many real stacks of the held-out digits
(`{protocol["real"]}`): the floor that the evaluator's errors and the sample count leave.

{quality_table(result)}

{verdict(result["targets"])}

The full result, with the count of every mode, is in `metrics.json`.

## Truncation

{truncation_section(result)}

## The ablation: how this recipe was chosen

{ablation_section(recipe.search)}

## Files and licenses

{files_section(entry, check, "ablation")}
"""


def stacked_table(entries: list[ZooEntry]) -> str:
    """The zoo README's table of the Stacked-MNIST entries."""
    rows = []
    for entry in entries:
        if not entry.metrics:
            continue
        head, result = entry.headline(), entry.metrics
        missed = [t["target"] for t in result["targets"] if not t["met"]]
        rows.append(
            (
                f"[{entry.name}]({entry.name}/README.md)",
                f"{head['modes']} ({result['real_modes']})",
                f"{head['reverse_kl']:.3f} ({head['real_reverse_kl']:.3f})",
                f"{head['targets_met']}/{head['targets']}"
                + (f" (missed: {', '.join(missed)})" if missed else ""),
            )
        )
    header = [
        "Stacked-MNIST entry", "modes of 1,000 (real stacks)", "reverse KL (real stacks)",
        "targets met",
    ]  # fmt: skip
    return table(header, rows)
