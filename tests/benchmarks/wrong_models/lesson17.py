"""Wrong models of notebook 17's experiment `check_saturating_gan`: the saturating generator
loss trained from the discriminator's head start, measured against the notebook's
non-saturating run from the same start (`gan_recovery`)."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _fit(ns: dict[str, Any], model: Any) -> Any:
    model.fit(ns["train_ds"].take(ns["recovery_steps"]), verbose=0)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The saturating GAN built from the head start, compiled, never fit."""
    seeded(ns)
    return ns["head_start_gan"](ns["SaturatingGAN"])


recovery_passed_back = passed_back(
    "gan_recovery", "Section 7's non-saturating run from the head start passed back.")
section_5_gan = passed_back("gan", "Section 5's GAN (non-saturating, Adam) passed back.")


def sign_flipped(ns: dict[str, Any]) -> Any:
    """generator_loss returns mean softplus(l) = -mean log(1 - D(G(z))): the sign flipped."""
    ops = ns["ops"]

    class Flipped(ns["GAN"]):
        def generator_loss(self, fake_logits: Any) -> Any:
            return ops.mean(ops.softplus(fake_logits))

    seeded(ns)
    return _fit(ns, ns["head_start_gan"](Flipped))


def adam_generator(ns: dict[str, Any]) -> Any:
    """The saturating loss from the head start, but the generator trained with Adam (as in
    section 5) instead of plain SGD steps."""
    seeded(ns)
    model = ns["head_start_gan"](ns["SaturatingGAN"])
    model.compile(d_optimizer=ns["adam"](), g_optimizer=ns["adam"]())
    return _fit(ns, model)


def no_head_start(ns: dict[str, Any]) -> Any:
    """The saturating loss and the same optimisers, but fresh networks: no head start."""
    keras = seeded(ns)
    model = ns["SaturatingGAN"](ns["build_generator"](ns["latent_dim"]),
                                ns["build_discriminator"](), ns["latent_dim"],
                                seed=ns["cfg"].seed)
    model.compile(d_optimizer=ns["adam"](),
                  g_optimizer=keras.optimizers.SGD(learning_rate=0.05))
    return _fit(ns, model)


EXPERIMENTS = {
    "check_saturating_gan": {
        "untrained": untrained,
        "recovery_passed_back": recovery_passed_back,
        "section_5_gan": section_5_gan,
        "sign_flipped": sign_flipped,
        "adam_generator": adam_generator,
        "no_head_start": no_head_start,
    },
}
