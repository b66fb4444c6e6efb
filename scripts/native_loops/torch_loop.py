"""The PyTorch loop: the networks written in plain ``torch.nn`` (NCHW; ``torch_networks``),
``torch.optim.Adam``, ``backward()``."""

import math

import torch
from torch import nn
from torch.nn import functional

from kgan.models import dcgan
from scripts.native_loops import twin_spec


def torch_networks(model):
    """``model``'s generator and discriminator written in plain torch.nn (NCHW).

    Same layers, sizes and parameter counts as kgan's Keras networks (BatchNorm
    with Keras's epsilon and momentum); only the memory layout differs.
    """
    spec = twin_spec(model)
    if spec["architecture"] == "vanilla-gan":
        return _torch_mlp(spec)
    return _torch_convnets(spec)


def _torch_mlp(spec):

    image_shape = spec["config"]["image_shape"]
    size = math.prod(image_shape)
    hidden = list(spec["config"]["hidden_units"])
    g_layers, width = [], spec["latent_dim"]
    for units in hidden:
        g_layers += [nn.Linear(width, units), nn.LeakyReLU(0.2)]
        width = units
    generator = nn.Sequential(*g_layers, nn.Linear(width, size), nn.Tanh())
    d_layers, width = [nn.Flatten()], size
    for units in reversed(hidden):
        d_layers += [nn.Linear(width, units), nn.LeakyReLU(0.2)]
        width = units
    discriminator = nn.Sequential(*d_layers, nn.Linear(width, 1))
    return generator, discriminator


def _batch_norm(channels, dims=2):

    kind = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    return kind(channels, eps=1e-3, momentum=0.01)  # Keras's defaults


def _torch_convnets(spec):

    config = spec["config"]
    image_channels = config["image_shape"][-1]
    steps, base_h, base_w = dcgan.resolution_plan(config["image_shape"])
    width = config["width"]
    channels = width * 2 ** (steps - 1)
    g_layers = [
        nn.Linear(
            spec["latent_dim"] * (2 if spec["conditional"] else 1),
            base_h * base_w * channels,
            bias=False,
        ),
        _batch_norm(base_h * base_w * channels, dims=1),
        nn.ReLU(),
        nn.Unflatten(1, (channels, base_h, base_w)),
    ]
    for _ in range(steps - 1):
        g_layers += [
            nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False),
            _batch_norm(channels // 2),
            nn.ReLU(),
        ]
        channels //= 2
    g_layers += [nn.ConvTranspose2d(channels, image_channels, 4, 2, 1), nn.Tanh()]
    d_layers, in_channels = [], image_channels
    for step in range(steps):
        out_channels = width * 2**step
        d_layers.append(nn.Conv2d(in_channels, out_channels, 4, 2, 1))
        if step > 0 and config.get("d_batch_norm", True):
            d_layers.append(_batch_norm(out_channels))
        d_layers.append(nn.LeakyReLU(0.2))
        in_channels = out_channels
    d_layers.append(nn.Flatten())
    features = in_channels * base_h * base_w
    generator, body = nn.Sequential(*g_layers), nn.Sequential(*d_layers)
    if not spec["conditional"]:
        return generator, nn.Sequential(body, nn.Linear(features, 1))
    classes, latent_dim = config["num_classes"], spec["latent_dim"]

    class ConditionalGenerator(nn.Module):
        # kgan's CGAN generator: a label embedding concatenated to the latents.
        def __init__(self):
            super().__init__()
            self.embedding, self.body = nn.Embedding(classes, latent_dim), generator

        def forward(self, latents, labels):
            return self.body(torch.cat([latents, self.embedding(labels[:, 0])], dim=1))

    class ProjectionDiscriminator(nn.Module):
        # kgan's CGAN discriminator: linear logit + <label embedding, features>.
        def __init__(self):
            super().__init__()
            self.body, self.logit = body, nn.Linear(features, 1)
            self.projection = nn.Embedding(classes, features)

        def forward(self, images, labels):
            features_ = self.body(images)
            projection = (self.projection(labels[:, 0]) * features_).sum(dim=1, keepdim=True)
            return self.logit(features_) + projection

    return ConditionalGenerator(), ProjectionDiscriminator()


def native_torch(model):

    spec = twin_spec(model)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    generator, discriminator = (net.to(device) for net in torch_networks(model))
    learning_rate, beta_1, beta_2 = spec["adam"]
    d_opt = torch.optim.Adam(discriminator.parameters(), learning_rate, betas=(beta_1, beta_2))
    g_opt = torch.optim.Adam(generator.parameters(), learning_rate, betas=(beta_1, beta_2))
    conditional, wasserstein = spec["conditional"], spec["wasserstein"]

    def generate(latents, labels):
        return generator(latents, labels) if conditional else generator(latents)

    def discriminate(images, labels):
        return discriminator(images, labels) if conditional else discriminator(images)

    def penalty(real, fake, labels):
        alpha = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=device)
        interpolated = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        scores = discriminate(interpolated, labels)
        (grads,) = torch.autograd.grad(scores.sum(), interpolated, create_graph=True)
        norms = torch.sqrt(grads.flatten(1).square().sum(dim=1) + 1e-12)
        return (norms - 1.0).square().mean()

    def run(images, labels):
        real = torch.from_numpy(images).to(device)
        real = real.permute(0, 3, 1, 2) if real.dim() == 4 else real
        labels = torch.from_numpy(labels.reshape(-1, 1)).long().to(device)
        batch = real.shape[0]
        for _ in range(spec["d_steps"]):
            with torch.no_grad():
                fake = generate(torch.randn(batch, spec["latent_dim"], device=device), labels)
                fake = fake.reshape(real.shape)
            real_out, fake_out = discriminate(real, labels), discriminate(fake, labels)
            if wasserstein:
                d_loss = fake_out.mean() - real_out.mean()
                d_loss = d_loss + spec["gp_weight"] * penalty(real, fake, labels)
            else:
                d_loss = (
                    functional.softplus(-real_out).mean() + functional.softplus(fake_out).mean()
                )
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        fake = generate(torch.randn(batch, spec["latent_dim"], device=device), labels)
        fake_out = discriminate(fake.reshape(real.shape), labels)
        g_loss = -fake_out.mean() if wasserstein else functional.softplus(-fake_out).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return d_loss

    return run, lambda loss: float(loss.detach().cpu())
