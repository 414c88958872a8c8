"""Wrong models of notebook 16's experiment `check_vae_8`: a VAE with an 8-D latent space,
built and trained like section 5's 2-D model and measured against it."""

from __future__ import annotations

from typing import Any

from . import passed_back, seeded


def _vae(ns: dict[str, Any], cls: Any = None) -> Any:
    keras = seeded(ns)
    model = (cls or ns["VAE"])(ns["build_encoder"](8), ns["build_decoder"](8))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))
    return model


def _fit(ns: dict[str, Any], model: Any, **epochs: Any) -> Any:
    model.fit(ns["train_ds"], validation_data=ns["val_ds"], verbose=0, **epochs)
    return model


def untrained(ns: dict[str, Any]) -> Any:
    """The 8-D VAE built and compiled, never fit."""
    return _vae(ns)


vae_2d = passed_back("vae", "Section 5's 2-D VAE passed back.")


def one_epoch(ns: dict[str, Any]) -> Any:
    """fit without epochs=num_epochs: one epoch."""
    return _fit(ns, _vae(ns))


def no_kl_term(ns: dict[str, Any]) -> Any:
    """An 8-D model whose training step minimises the reconstruction term only."""
    tf = ns["tf"]

    class ReconstructionOnly(ns["VAE"]):
        def train_step(self, x: Any) -> Any:
            with tf.GradientTape() as tape:
                reconstruction, kl = self.loss_terms(x)
            grads = tape.gradient(reconstruction, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return self.track(reconstruction, kl)

    return _fit(ns, _vae(ns, ReconstructionOnly), epochs=ns["num_epochs"])


EXPERIMENTS = {
    "check_vae_8": {
        "untrained": untrained,
        "vae_2d": vae_2d,
        "one_epoch": one_epoch,
        "no_kl_term": no_kl_term,
    },
}
