"""Checkers of notebook 17: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson17 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_minimax_value, ex.check_non_saturating_loss,
                                     ex.check_slerp, ex.check_saturating_gan])
@pytest.mark.parametrize("stub", [None, ..., _stub])
def test_stubs_are_not_done(checker, stub, capsys):
    if stub is _stub and checker is ex.check_saturating_gan:
        stub = None  # the experiment's stub is a value, not a function
    assert not checker(stub)
    out = capsys.readouterr().out
    assert out.startswith("[TODO]") and "not done yet" in out and "Hint" not in out


# --------------------------------------------------------------------------- 1. value function


def test_minimax_value_accepts_right_answers(capsys):
    def with_sums(d_real, d_fake):
        return np.log(d_real).sum() / len(d_real) + np.log1p(-d_fake).sum() / len(d_fake)

    _passes(ex.check_minimax_value, ex.minimax_value_reference, capsys=capsys)
    _passes(ex.check_minimax_value, with_sums, capsys=capsys)


def test_minimax_value_is_minus_log_4_at_one_half():
    assert np.isclose(ex.minimax_value_reference(np.full(5, 0.5), np.full(2, 0.5)), -np.log(4))


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._v_log_fake, "log(1 - D(G(z)))"),
    (ex._v_negated, "negative of V"),
    (ex._v_summed, "use np.mean, not np.sum"),
    (ex._v_pooled, "its own batch"),
    (ex._v_first_term, "second term is missing"),
    (ex._v_log2, "natural logarithm"),
    (lambda d_real, d_fake: 0.0, "Each expectation"),
])
def test_minimax_value_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_minimax_value, wrong, capsys=capsys, hint=hint)


def test_second_failure_adds_the_second_hint(capsys):
    _fails(ex.check_minimax_value, ex._v_summed, capsys=capsys)
    out = _fails(ex.check_minimax_value, ex._v_summed, capsys=capsys)
    assert "Another hint" in out and "-log 4" in out


# --------------------------------------------------------------------------- 2. generator loss


def test_non_saturating_loss_accepts_right_answers(capsys):
    def with_where(fake_logits):
        l = np.asarray(fake_logits, dtype=float)
        return np.mean(np.maximum(-l, 0) + np.log1p(np.exp(-np.abs(l))))

    ops = pytest.importorskip("keras").ops  # imported here: not inside the time limit

    def with_keras_ops(fake_logits):
        return ops.mean(ops.softplus(-ops.convert_to_tensor(np.asarray(fake_logits, "float64"))))

    _passes(ex.check_non_saturating_loss, ex.non_saturating_loss_reference, capsys=capsys)
    _passes(ex.check_non_saturating_loss, with_where, capsys=capsys)
    _passes(ex.check_non_saturating_loss, with_keras_ops, capsys=capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._ns_saturating, "saturating loss of equation (2)"),
    (ex._ns_discriminator_fake_term, "discriminator's loss on the fakes"),
    (ex._ns_no_minus, "sign is flipped"),
    (ex._ns_summed, "Average over the batch"),
    (lambda l: -np.mean(np.log(np.abs(l) + 1e-3)), "not probabilities"),
    (lambda l: np.mean(1.0 / (1.0 + np.exp(-np.asarray(l, dtype=float)))), "softplus"),
])
def test_non_saturating_loss_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_non_saturating_loss, wrong, capsys=capsys, hint=hint)


def test_non_saturating_loss_names_the_overflow(capsys):
    def naive_numpy(fake_logits):  # overflows at -800: NumPy raises inside the checker
        return -np.mean(np.log(1.0 / (1.0 + np.exp(-np.asarray(fake_logits, dtype=float)))))

    def naive_float32(fake_logits):  # rounds to log(0) silently: returns inf
        l = np.asarray(fake_logits, dtype=np.float32)
        with np.errstate(all="ignore"):
            return float(-np.mean(np.log(1.0 / (1.0 + np.exp(-l)))))

    out = _fails(ex.check_non_saturating_loss, naive_numpy, capsys=capsys, hint="overflow")
    assert "logaddexp" in out
    _fails(ex.check_non_saturating_loss, naive_float32, capsys=capsys,
           hint="never through 1 / (1 + exp(-l))")


# --------------------------------------------------------------------------- 3. slerp


def test_slerp_accepts_right_answers(capsys):
    def with_unit_vectors(z_a, z_b, num_steps):
        a, b = np.asarray(z_a, float), np.asarray(z_b, float)
        omega = np.arccos(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)))
        rows = [(np.sin((1 - s) * omega) * a + np.sin(s * omega) * b) / np.sin(omega)
                for s in np.linspace(0, 1, num_steps)]
        return np.array(rows)

    _passes(ex.check_slerp, ex.slerp_reference, capsys=capsys)
    _passes(ex.check_slerp, with_unit_vectors, capsys=capsys)


def test_slerp_keeps_the_norm_of_gaussian_vectors():
    rng = np.random.default_rng(0)
    za, zb = rng.normal(size=64), rng.normal(size=64)
    path = ex.slerp_reference(za, zb, 11)
    assert np.allclose(path[0], za) and np.allclose(path[-1], zb)
    assert np.linalg.norm(path[5]) > 0.9 * min(np.linalg.norm(za), np.linalg.norm(zb))
    assert np.linalg.norm(ex._lerp(za, zb, 11)[5]) < 0.8 * np.linalg.norm(path[5])


@pytest.mark.parametrize(("wrong", "hint"), [
    (ex._lerp, "straight line"),
    (ex._slerp_reversed, "from z_b to z_a"),
    (ex._slerp_no_endpoint, "Include both ends"),
    (ex._slerp_unit, "Keep the magnitudes"),
    (ex._slerp_transposed, "one row per step"),
    (ex._slerp_degrees, "radians"),
    (lambda a, b, n: np.zeros((n, len(a))), "omega = np.arccos"),
])
def test_slerp_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_slerp, wrong, capsys=capsys, hint=hint)


# --------------------------------------------------------------------------- 4. experiment


def _batches(ds):
    return np.concatenate([np.asarray(batch) for batch in ds])


class _Part:
    def __init__(self, fn):
        self.fn = fn

    def predict(self, ds, verbose=0):
        return self.fn(_batches(ds))


class _FakeGAN:
    """Stands in for a trained GAN whose discriminator gives every sample the logit `logit`;
    its generator draws a bright square on a dark background (an untrained one: grey)."""

    def __init__(self, logit, latent_dim=64, image_shape=(28, 28, 1), trained=True):
        self.latent_dim = latent_dim

        def generate(z):
            images = np.full((len(z),) + image_shape, 0.0 if trained else 0.5, "float32")
            images[:, 8:20, 8:20] = 1.0 if trained else 0.5
            return images

        self.generator = _Part(generate)
        self.discriminator = _Part(lambda x: np.full((len(x), 1), logit, "float32"))


class _FakeGANWithLoss(_FakeGAN):
    def __init__(self, generator_loss):
        super().__init__(logit=-1.0)
        self.generator_loss = generator_loss


def test_saturating_gan_accepts_a_trained_model(capsys):
    pytest.importorskip("tensorflow")
    out = _passes(ex.check_saturating_gan, _FakeGAN(logit=-1.0), capsys=capsys)
    assert "0.2689" in out  # sigmoid(-1)


def test_saturating_gan_rejects_wrong_models(capsys):
    pytest.importorskip("tensorflow")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-5.0), capsys=capsys,
           hint="-mean(softplus(fake_logits))")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=0.0, trained=False), capsys=capsys,
           hint="untrained generator")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-1.0, trained=False), capsys=capsys,
           hint="Train the model")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-1.0, image_shape=(32, 32, 3)),
           capsys=capsys, hint="build_generator(latent_dim)")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=np.nan), capsys=capsys, hint="diverged")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-1.0, latent_dim=None), capsys=capsys,
           hint="latent_dim")
    _fails(ex.check_saturating_gan, "gan", capsys=capsys, hint="SaturatingGAN model after fit")


def test_saturating_gan_checks_the_generator_loss(capsys):
    pytest.importorskip("tensorflow")
    import keras

    _passes(ex.check_saturating_gan, _FakeGANWithLoss(ex._ns_saturating), capsys=capsys)
    _passes(ex.check_saturating_gan, _FakeGANWithLoss(
        lambda logits: -keras.ops.mean(keras.ops.softplus(logits))), capsys=capsys)
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: -ex._ns_saturating(logits)),
           capsys=capsys, hint="Mind the sign")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(ex.non_saturating_loss_reference),
           capsys=capsys, hint="non-saturating loss of section 4")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: 1 / 0), capsys=capsys,
           hint="ops.softplus")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: "loss"), capsys=capsys,
           hint="-ops.mean(ops.softplus(fake_logits))")
