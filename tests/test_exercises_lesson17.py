"""Checkers of notebook 17: a right answer passes, each typical wrong answer fails with its
specific hint, an untouched stub hears "not done yet". (The full answers live in the solution
notebook; the compact ones here only prove that the checkers accept right answers.)"""

import numpy as np
import pytest

from course_utils.exercises import lesson17 as ex
from tests.checker_asserts import stub as _stub, passes as _passes, fails as _fails


@pytest.mark.parametrize("checker", [ex.check_minimax_value, ex.check_latent_path,
                                     ex.check_saturating_gan])
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
    (ex._v_first_term, "is missing: the generated"),
    (ex._v_log2, "natural logarithm"),
    (lambda d_real, d_fake: 0.0, "Each expectation"),
    (lambda d_real, d_fake: "V", "Each expectation"),
])
def test_minimax_value_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_minimax_value, wrong, capsys=capsys, hint=hint)


def test_second_failure_adds_the_second_hint(capsys):
    _fails(ex.check_minimax_value, ex._v_summed, capsys=capsys)
    out = _fails(ex.check_minimax_value, ex._v_summed, capsys=capsys)
    assert "Another hint" in out and "-log 4" in out


# --------------------------------------------------------------------------- 2. latent path


def _nlerp(z_a, z_b, num_steps):
    """Another design: the straight line's directions, rescaled to the ends' norms."""
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    t = np.linspace(0, 1, num_steps)[:, None]
    line = (1 - t) * a + t * b
    norms = (1 - t) * np.linalg.norm(a) + t * np.linalg.norm(b)
    return line / np.linalg.norm(line, axis=1, keepdims=True) * norms


def _slerp_loop(z_a, z_b, num_steps):
    a, b = np.asarray(z_a, np.float32), np.asarray(z_b, np.float32)
    omega = np.arctan2(np.linalg.norm(np.cross(a, b)) if a.size == 3 else
                       np.sqrt(max(np.dot(a, a) * np.dot(b, b) - np.dot(a, b) ** 2, 0)),
                       np.dot(a, b))
    rows = [(np.sin((1 - s) * omega) * a + np.sin(s * omega) * b) / np.sin(omega)
            for s in np.linspace(0, 1, num_steps)]
    return [list(row) for row in rows]


def _slerp_where(z_a, z_b, num_steps):  # warns (0/0 in a branch np.where discards)
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    t = np.linspace(0, 1, num_steps)[:, None]
    omega = np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))
    safe = np.where(omega > 0, np.sin(omega), 0.0)
    path = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / safe
    return np.where(np.isfinite(path), path, (1 - t) * a + t * b)


def test_latent_path_accepts_right_answers(capsys):
    for answer in (ex.slerp_reference, _nlerp, _slerp_loop, _slerp_where):
        _passes(ex.check_latent_path, answer, capsys=capsys)


def test_slerp_keeps_the_norm_of_gaussian_vectors():
    rng = np.random.default_rng(0)
    za, zb = rng.normal(size=64), rng.normal(size=64)
    path = ex.slerp_reference(za, zb, 11)
    assert np.allclose(path[0], za) and np.allclose(path[-1], zb)
    assert np.linalg.norm(path[5]) > 0.9 * min(np.linalg.norm(za), np.linalg.norm(zb))


def _lerp(z_a, z_b, n):
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) * np.asarray(z_a, float) + t * np.asarray(z_b, float)


def _unit(z_a, z_b, n):
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    return ex.slerp_reference(a / np.linalg.norm(a), b / np.linalg.norm(b), n)


def _no_endpoint(z_a, z_b, n):
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    omega = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _degrees(z_a, z_b, n):
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    t = np.linspace(0, 1, n)[:, None]
    omega = np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)),
                                         -1, 1)))
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _long_way(z_a, z_b, n):  # the great circle the other way round: leaves and comes back
    a, b = np.asarray(z_a, float), np.asarray(z_b, float)
    t = np.linspace(0, 1, n)[:, None]
    omega = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    big = omega - 2 * np.pi
    return (np.sin((1 - t) * big) * a + np.sin(t * big) * b) / np.sin(big)


@pytest.mark.parametrize(("wrong", "hint"), [
    (_lerp, "straight line cuts through"),
    (_unit, "unit vectors"),
    (lambda a, b, n: ex.slerp_reference(a, b, n)[::-1], "from z_b to z_a"),
    (_no_endpoint, "include both ends"),
    (lambda a, b, n: ex.slerp_reference(a, b, n).T, "one row per step"),
    (_degrees, "z_a"),
    (_long_way, "the shorter way round"),
    (lambda a, b, n: ex.slerp_reference(a, b, n) + 0.01, "z_a itself"),
    (lambda a, b, n: np.zeros((n, len(a))), "z_a itself"),
    (lambda a, b, n: None, "one row per step"),
    (lambda a, b, n: "path", "one row per step"),
])
def test_latent_path_rejects_wrong_answers(wrong, hint, capsys):
    _fails(ex.check_latent_path, wrong, capsys=capsys, hint=hint)


def test_latent_path_rejects_a_path_leaving_the_plane(capsys):
    def bent(z_a, z_b, n):
        path = ex.slerp_reference(z_a, z_b, n)
        extra = np.zeros_like(path)
        extra[1:-1, -1] += 0.01 * np.linalg.norm(z_a)
        return path + extra

    _fails(ex.check_latent_path, bent, capsys=capsys, hint="plane")


def test_latent_path_second_failure_adds_the_second_hint(capsys):
    _fails(ex.check_latent_path, _lerp, capsys=capsys)
    out = _fails(ex.check_latent_path, _lerp, capsys=capsys)
    assert "Another hint" in out and "directions plus lengths" in out


# --------------------------------------------------------------------------- 3. experiment


class _Part:
    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x, training=False):
        return self.fn(np.asarray(x))


class _Iterations:
    def __init__(self, n):
        self.iterations = n


class _FakeGAN:
    """Stands in for a trained GAN whose discriminator gives every sample the logit `logit`
    after `steps` updates of each player (None: no optimisers)."""

    def __init__(self, logit, latent_dim=64, image_shape=(28, 28, 1), steps=30):
        self.latent_dim = latent_dim
        self.generator = _Part(lambda z: np.zeros((len(z),) + image_shape, "float32"))
        self.discriminator = _Part(lambda x: np.full((len(x), 1), logit, "float32"))
        if steps is not None:
            self.d_optimizer, self.g_optimizer = _Iterations(steps), _Iterations(steps)


class _FakeGANWithLoss(_FakeGAN):
    def __init__(self, generator_loss, logit=-20.0):
        super().__init__(logit=logit)
        self.generator_loss = generator_loss


_RECOVERED = _FakeGAN(logit=0.0)


def test_saturating_gan_accepts_a_saturated_model(capsys):
    out = _passes(ex.check_saturating_gan, _FakeGAN(logit=-20.0), _RECOVERED, capsys=capsys)
    assert "0.5000" in out  # the non-saturating run's D(G(z)) is printed for comparison
    _passes(ex.check_saturating_gan, _FakeGAN(logit=-20.0, steps=None), capsys=capsys)


def test_saturating_gan_rejects_wrong_models(capsys):
    _fails(ex.check_saturating_gan, _FakeGAN(logit=0.0), _RECOVERED, capsys=capsys,
           hint="same optimisers as gan_recovery")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-20.0, steps=0), _RECOVERED,
           capsys=capsys, hint="same number of steps")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-20.0), _FakeGAN(logit=-19.0),
           capsys=capsys, hint="gan_recovery")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-20.0, image_shape=(32, 32, 3)),
           _RECOVERED, capsys=capsys, hint="head_start_gan")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=np.nan), _RECOVERED, capsys=capsys,
           hint="diverged")
    _fails(ex.check_saturating_gan, _FakeGAN(logit=-20.0, latent_dim=None), _RECOVERED,
           capsys=capsys, hint="latent_dim")
    _fails(ex.check_saturating_gan, "gan", _RECOVERED, capsys=capsys,
           hint="SaturatingGAN model after fit")


def test_saturating_gan_checks_the_optimisers(capsys):
    class Adam(_Iterations):
        pass

    adam_generator = _FakeGAN(logit=-20.0)
    adam_generator.g_optimizer = Adam(30)
    _fails(ex.check_saturating_gan, adam_generator, _RECOVERED, capsys=capsys,
           hint="do not compile it again")


def test_saturating_gan_checks_the_generator_loss(capsys):
    keras = pytest.importorskip("keras")

    _passes(ex.check_saturating_gan, _FakeGANWithLoss(ex._ns_saturating), capsys=capsys)
    _passes(ex.check_saturating_gan, _FakeGANWithLoss(
        lambda logits: keras.ops.mean(keras.ops.log(1 - keras.ops.sigmoid(logits)))),
        capsys=capsys)
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: -ex._ns_saturating(logits)),
           capsys=capsys, hint="Mind the sign")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(ex.non_saturating_loss_reference),
           capsys=capsys, hint="non-saturating loss of section 4")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: 1 / 0), capsys=capsys,
           hint="keras.ops")
    _fails(ex.check_saturating_gan, _FakeGANWithLoss(lambda logits: "loss"), capsys=capsys,
           hint="batch mean of log(1 - D(G(z)))")
