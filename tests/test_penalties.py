"""The separable penalty (``ElasticNetPenalty``) against plain numpy.

Its working-set bookkeeping (subdifferential distances, dual norm) runs in
compiled loops (``_kernels_penalty``), with per-feature factors or without;
here each method is checked against numpy written from the definitions,
on a subset of columns as the solver calls them.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklreg._cd.penalties import ElasticNetPenalty

F = np.array([0.0, 1.0, 2.5, np.inf, 0.5, 1.0, 3.0, 0.0, 1.0, np.inf, 2.0, 1.0])


def _problem(positive, weighted, seed=0):
    rng = np.random.RandomState(seed)
    f = F if weighted else np.ones(12)
    w = rng.randn(12) * (rng.rand(12) > 0.4) * np.isfinite(f)
    if positive:
        w = np.abs(w)
    grad = rng.randn(12) * 3
    return f, w, grad


def _reference_subdiff(w, grad, l1, l2, f, positive):
    """dist(-grad_j, d/dw_j [f_j (l1|w_j| + l2/2 w_j^2)]), written plainly."""
    out = np.empty(w.shape[0])
    for j in range(w.shape[0]):
        if f[j] == 0:
            out[j] = np.inf  # unpenalised: always in the working set
        elif np.isinf(f[j]):
            out[j] = 0.0  # excluded: its coefficient is 0, optimal
        elif w[j] != 0:
            out[j] = abs(-grad[j] - l2 * f[j] * w[j] - l1 * f[j] * np.sign(w[j]))
        else:  # subdifferential [-l1 f, l1 f] (or (-inf, l1 f] when positive)
            g = -grad[j]
            out[j] = max((g if positive else abs(g)) - l1 * f[j], 0.0)
    return out


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_subdiff_distance_and_dual_norm_against_numpy(positive, weighted):
    f, w, grad = _problem(positive, weighted)
    pen = ElasticNetPenalty(0.7, 0.4, positive, F if weighted else None)
    ref = _reference_subdiff(w, grad, 0.7, 0.4, f, positive)
    assert_allclose(pen.subdiff_distance(w, grad), ref, rtol=1e-13)
    cols = np.array([1, 3, 4, 7, 10], dtype=np.int64)
    assert_allclose(pen.subdiff_distance(w[cols], grad[cols], cols), ref[cols])

    mag = grad if positive else np.abs(grad)
    pen_f = np.isfinite(f) & (f > 0)
    ref_norm = max(0.0, np.max(mag[pen_f] / f[pen_f]))
    assert pen.dual_norm(grad) == pytest.approx(ref_norm, rel=1e-14)
    sub = pen_f[cols]
    ref_sub = max(0.0, np.max(mag[cols][sub] / f[cols][sub]))
    assert pen.dual_norm(grad[cols], cols) == pytest.approx(ref_sub, rel=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_value_prox_threshold_and_restrict(weighted):
    f, w, _ = _problem(False, weighted, seed=1)
    pen = ElasticNetPenalty(0.7, 0.4, False, F if weighted else None)
    fin = np.isfinite(f)
    expected = np.sum(f[fin] * (0.7 * np.abs(w[fin]) + 0.2 * w[fin] ** 2))
    assert pen.value(w) == pytest.approx(expected, rel=1e-13)
    # the prox is the argmin of 1/(2 step)(v - z)^2 + f (l1|v| + l2/2 v^2)
    z = np.linspace(-3, 3, 12)
    step = 0.8
    prox = pen.prox(z, step)
    grid = np.linspace(-4, 4, 80001)
    for j in range(12):
        if np.isinf(f[j]):
            assert prox[j] == 0
            continue
        obj = (grid - z[j]) ** 2 / (2 * step) + f[j] * (
            0.7 * np.abs(grid) + 0.2 * grid**2
        )
        assert abs(prox[j] - grid[np.argmin(obj)]) < 2e-4
    cols = np.array([0, 2, 3, 11], dtype=np.int64)
    sub = pen.restrict(cols)
    assert_allclose(sub.threshold(), np.broadcast_to(pen.threshold(cols), (4,)))
    assert sub.value(w[cols]) == pytest.approx(
        np.sum((0.7 * np.abs(w[cols]) + 0.2 * w[cols] ** 2) * np.where(fin, f, 0)[cols])
    )
    l1s, l2s = pen.weight_vectors(12)
    assert np.isinf(l1s[~fin]).all() and np.isinf(l2s[~fin]).all()
    assert_allclose(l1s[fin], 0.7 * f[fin])


def test_penalty_kernels_are_cached_and_release_the_gil():
    from sklreg._cd import _kernels_penalty

    for name in ("subdiff_distance", "dual_norm"):
        kernel = getattr(_kernels_penalty, name)
        assert kernel.targetoptions.get("nogil") is True, name
        assert kernel._cache.__class__.__name__ == "FunctionCache", name
