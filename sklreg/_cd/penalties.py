"""Separable penalties of the coordinate-descent engine.

Each penalty is ``g(w) = sum_j f_j (l1 |w_j| + l2/2 w_j^2)`` for some
``l1, l2 >= 0`` and per-feature factors ``f_j >= 0`` (all ones by default;
optionally with ``w >= 0``), which covers L1 (Lasso), L2 (Ridge) and the
elastic net; :class:`GroupPenalty` is its multi-task (row-norm) form.  A
penalty knows its value, its proximal operator (the soft-threshold the
kernels apply one coordinate at a time), the distance of a gradient to its
subdifferential (the optimality violation that ranks features for the
working set) and what the duality gap and screening need of it.
"""

import numpy as np

from sklreg._cd import _aot


class ElasticNetPenalty:
    """``sum_j f_j (l1 |w_j| + l2/2 w_j^2)``, with ``w >= 0`` if ``positive``.

    Parameters
    ----------
    l1 : float
        Weight of the L1 norm (on the n-scaled objective).
    l2 : float
        Weight of half the squared L2 norm.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    weights : ndarray of shape (n_features,), default=None
        Per-feature penalty factors ``f`` (None: all ones).  ``f_j = 0``
        leaves feature ``j`` unpenalised (it always joins the working set),
        ``f_j = inf`` excludes it (its coefficient is zero).

    The kernels take the per-feature weights ``l1 f_j`` and ``l2 f_j``
    (:meth:`weight_vectors`); the loops of the working-set solver's
    bookkeeping are compiled (``_kernels_penalty``), the same for factors
    or none, so that factors cost nothing.
    """

    def __init__(self, l1: float, l2: float, positive: bool = False, weights=None):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalty weights must be >= 0, got {l1=}, {l2=}")
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.positive = bool(positive)
        self.weights = None if weights is None else np.asarray(weights, float)
        self._vec = {}

    def weight_vectors(self, n_features):
        """``(l1 f_j, l2 f_j)`` per feature (``inf`` where ``f_j = inf``),
        cached with ``1 / f_j`` (0 where the feature is not penalised) and
        the L2 weights of the gradient (0 where ``f_j = inf``)."""
        return self._vectors(n_features)[:2]

    def _vectors(self, n_features):
        vec = self._vec.get(n_features)
        if vec is not None:
            return vec
        if self.weights is None:
            ones = np.ones(n_features)
            vec = (ones * self.l1, ones * self.l2, ones, self.l2)
        else:
            f = self.weights
            l2s = _scaled(self.l2, f)
            l2_grad = np.where(np.isinf(f), 0.0, l2s) if self.l2 > 0 else self.l2
            vec = (_scaled(self.l1, f), l2s, _inverse(f), l2_grad)
        self._vec[n_features] = vec
        return vec

    def _indexed(self, cols, size):
        """The cached vectors and the index of each of ``size`` entries in
        them: ``cols`` with factors; without, every feature's weights are
        the same, so vectors of ``size`` entries indexed in order."""
        if self.weights is None or cols is None:
            n = size if self.weights is None else self.weights.shape[0]
            return self._vectors(n), self._arange(size)
        return self._vectors(self.weights.shape[0]), cols

    def _arange(self, size):
        key = ("arange", size)
        if key not in self._vec:
            self._vec[key] = np.arange(size, dtype=np.int64)
        return self._vec[key]

    def value(self, w):
        """Penalty value at ``w`` (``inf`` if a positivity constraint fails)."""
        if self.positive and np.any(w < 0):
            return np.inf
        if self.weights is None:
            return self.l1 * np.abs(w).sum() + 0.5 * self.l2 * np.dot(w, w)
        l1s, l2s = self.weight_vectors(w.shape[0])
        return _aot.penalty_value(w, l1s, l2s, self._arange(w.shape[0]))

    def prox(self, z, step):
        """``argmin_w 1/(2 step) ||w - z||^2 + g(w)``, coordinate-wise."""
        z = np.asarray(z, dtype=float)
        l1, l2 = self.l1, self.l2
        if self.weights is not None:
            l1, l2 = self.weight_vectors(z.shape[0])
        if self.positive:
            shrunk = np.maximum(z - step * l1, 0.0)
        else:
            shrunk = np.sign(z) * np.maximum(np.abs(z) - step * l1, 0.0)
        return shrunk / (1.0 + step * l2)

    def restrict(self, cols):
        """The penalty of the problem restricted to ``cols``."""
        if self.weights is None:
            return self
        return ElasticNetPenalty(self.l1, self.l2, self.positive, self.weights[cols])

    def magnitude(self, z):
        """``|z_j|`` (``z_j`` when positive): what the dual norm bounds."""
        return z if self.positive else np.abs(z)

    def threshold(self, cols=None):
        """The L1 weight ``l1 f_j`` of each feature of ``cols``."""
        if self.weights is None:
            return self.l1
        l1s = self.weight_vectors(self.weights.shape[0])[0]
        return l1s if cols is None else l1s[cols]

    def l2_weights(self, cols=None):
        """``l2 f_j`` for the features of ``cols`` (0 for an excluded one,
        whose coefficient is zero)."""
        if self.weights is None or self.l2 == 0:
            return self.l2
        l2s = self._vectors(self.weights.shape[0])[3]
        return l2s if cols is None else l2s[cols]

    def subdiff_distance(self, w, grad, cols=None):
        """Distance of ``-grad`` to the subdifferential of ``g`` at ``w``.

        ``grad`` is the gradient of the smooth datafit (``w`` and ``grad``
        over ``cols``); the result is zero exactly at the optimum of
        datafit + penalty (the KKT conditions).  Unpenalised features score
        ``inf``: they always join the working set.
        """
        w = np.asarray(w, dtype=float)
        (l1s, l2s, *_), sel = self._indexed(cols, w.shape[0])
        out = np.empty(w.shape[0])
        grad = np.asarray(grad, dtype=float)
        _aot.subdiff_distance(w, grad, l1s, l2s, self.positive, sel, out)
        return out

    def dual_norm(self, z, cols=None):
        """``max_j |z_j| / f_j`` over the penalised features of ``cols``
        (``max_j z_j`` when positive): the dual norm of the L1 part."""
        if z.size == 0:
            return 0.0
        (_, _, inv_f, _), sel = self._indexed(cols, z.shape[0])
        z = np.asarray(z, dtype=float)
        return _aot.dual_norm(z, inv_f, self.positive, sel)

    def __repr__(self):
        weights = "" if self.weights is None else f", weights={self.weights!r}"
        return (
            f"{type(self).__name__}(l1={self.l1!r}, l2={self.l2!r}, "
            f"positive={self.positive!r}{weights})"
        )


def _scaled(level, f):
    """``level * f`` with ``inf`` where ``f = inf`` (also for level 0)."""
    if level > 0:
        return level * f
    return np.where(np.isinf(f), np.inf, 0.0)


def _inverse(f):
    """``1 / f`` on the penalised features (finite ``f > 0``), else 0."""
    out = np.zeros_like(f)
    np.divide(1.0, f, out=out, where=(f > 0) & (f < np.inf))
    return out


class L1(ElasticNetPenalty):
    """The Lasso penalty ``l1 * ||w||_1``."""

    def __init__(self, l1: float, positive: bool = False):
        super().__init__(l1, 0.0, positive)


class L2(ElasticNetPenalty):
    """The Ridge penalty ``l2 / 2 * ||w||_2^2``."""

    def __init__(self, l2: float, positive: bool = False):
        super().__init__(0.0, l2, positive)


class GroupPenalty:
    """``sum_j f_j (l1 ||W[j]||_2 + l2/2 ||W[j]||_2^2)``: weighted L2,1 + L2.

    ``W`` is of shape ``(n_features,)`` (then ``||W[j]||_2 = |w_j|``: the
    elastic net with per-feature penalty factors) or ``(n_features,
    n_tasks)`` (the multi-task penalty, a group per feature).  Factor
    ``f_j = 0`` leaves feature ``j`` unpenalised (it is always in the
    working set); ``f_j = inf`` excludes it (its coefficient is zero).
    ``positive`` constrains a single task's coefficients to be >= 0.

    Parameters
    ----------
    l1, l2 : float
        The global weights (n-scaled objective).
    weights : ndarray of shape (n_features,) or None
        The penalty factors ``f`` (None: all ones).
    positive : bool, default=False
    """

    def __init__(self, l1, l2, weights=None, positive=False):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalty weights must be >= 0, got {l1=}, {l2=}")
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.weights = None if weights is None else np.asarray(weights, float)
        self.positive = bool(positive)
        self._vec = {}
        if self.weights is not None:
            # per-feature vectors, indexed by the callers' columns
            f = self.weights
            inf = np.isinf(f)
            self._pen = (f > 0) & ~inf
            self._f_sum = np.where(inf, 0.0, f)  # an excluded feature is zero
            self._inv_f = np.zeros_like(f)
            self._inv_f[self._pen] = 1.0 / f[self._pen]
            with np.errstate(invalid="ignore"):
                self._l1_f = np.where(inf, np.inf, self.l1 * f)
                self._l2_f = np.where(inf, np.inf, self.l2 * f)
                self._l2_grad = np.where(inf, 0.0, self.l2 * f)

    def factors(self, cols=None):
        """The penalty factors of ``cols`` (ones when there are none)."""
        if self.weights is None:
            return None
        return self.weights if cols is None else self.weights[cols]

    def restrict(self, cols):
        """The same penalty on the features ``cols`` only."""
        if self.weights is None:
            return self
        return GroupPenalty(self.l1, self.l2, self.weights[cols], self.positive)

    def weight_vectors(self, n_features):
        """``(l1 f, l2 f)`` per feature, ``inf`` where ``f = inf`` (kernels)."""
        if self.weights is not None:
            return self._l1_f, self._l2_f
        if n_features not in self._vec:
            f = np.ones(n_features)
            inf = np.isinf(f)
            with np.errstate(invalid="ignore"):
                l1 = np.where(inf, np.inf, self.l1 * f)
                l2 = np.where(inf, np.inf, self.l2 * f)
            self._vec[n_features] = (l1, l2)
        return self._vec[n_features]

    def magnitude(self, z):
        """Per feature: ``||z[j]||_2`` (``z_j`` for one task when positive)."""
        if z.ndim == 1:
            return z if self.positive else np.abs(z)
        return np.sqrt(np.einsum("ij,ij->i", z, z))

    def threshold(self, cols=None):
        """``l1 f_j`` for the features of ``cols``."""
        if self.weights is None:
            return self.l1
        return self._l1_f if cols is None else self._l1_f[cols]

    def l2_weights(self, cols=None):
        """``l2 f_j`` for the features of ``cols`` (0 for an excluded one,
        whose coefficient is zero)."""
        if self.weights is None:
            return self.l2
        return self._l2_grad if cols is None else self._l2_grad[cols]

    def _row_sum(self, values, w, cols):
        if self.weights is None:
            return float(values.sum())
        f = self._f_sum if cols is None else self._f_sum[cols]
        return float(np.dot(f, values))

    def norms(self, w):
        """``||W[j]||_2`` per feature."""
        return np.abs(w) if w.ndim == 1 else np.sqrt(np.einsum("ij,ij->i", w, w))

    def value(self, w, cols=None):
        """Penalty value at ``w`` (``inf`` if a positivity constraint fails)."""
        if self.positive and np.any(w < 0):
            return np.inf
        nrm = self.norms(w)
        value = self.l1 * self._row_sum(nrm, w, cols)
        if self.l2 > 0:
            value += 0.5 * self.l2 * self._row_sum(nrm * nrm, w, cols)
        return value

    def sq_norm(self, w, cols=None):
        """``sum_j f_j ||W[j]||^2`` (the L2 part's norm)."""
        nrm = self.norms(w)
        return self._row_sum(nrm * nrm, w, cols)

    def dual_norm(self, z, cols=None):
        """``max_j ||z[j]|| / f_j`` over the penalised features of ``cols``."""
        if z.shape[0] == 0:
            return 0.0
        mag = self.magnitude(z)
        if self.weights is not None:
            pen = self._pen if cols is None else self._pen[cols]
            if not pen.any():
                return 0.0
            inv = self._inv_f if cols is None else self._inv_f[cols]
            mag = mag[pen] * inv[pen]
        return float(np.max(mag))

    def subdiff_distance(self, w, grad, cols=None):
        """Distance of ``-grad`` to the subdifferential at ``w``, per feature.

        Unpenalised features (``f_j = 0``) score ``inf``: they always join
        the working set.
        """
        if self.weights is None:
            l1 = np.full(w.shape[0], self.l1)
            l2 = np.full(w.shape[0], self.l2)
            free = None
        else:
            sel = slice(None) if cols is None else cols
            l1, l2 = self._l1_f[sel], self._l2_grad[sel]
            free = self.weights[sel] == 0
        g = -grad - (l2 * w if w.ndim == 1 else l2[:, None] * w)
        nrm_w = self.norms(w)
        nz = nrm_w != 0
        dist = np.empty(w.shape[0])
        if w.ndim == 1:
            dist[nz] = np.abs(g[nz] - l1[nz] * np.sign(w[nz]))
            mag = g if self.positive else np.abs(g)
        else:
            u = w[nz] / nrm_w[nz, None]
            diff = g[nz] - l1[nz, None] * u
            dist[nz] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            mag = self.magnitude(g)
        zero = ~nz
        dist[zero] = np.maximum(mag[zero] - l1[zero], 0.0)
        if free is not None:
            dist[free] = np.inf
        return dist

    def __repr__(self):
        return (
            f"{type(self).__name__}(l1={self.l1!r}, l2={self.l2!r}, "
            f"weights={self.weights!r}, positive={self.positive!r})"
        )
