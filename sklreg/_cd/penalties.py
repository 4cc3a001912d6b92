"""Separable penalties of the coordinate-descent engine.

Each penalty is ``g(w) = sum_j l1 |w_j| + l2/2 w_j^2`` for some ``l1, l2 >= 0``
(optionally with ``w >= 0``), which covers L1 (Lasso), L2 (Ridge) and the
elastic net.  A penalty knows its value, its proximal operator (the
soft-threshold the kernels apply one coordinate at a time), the distance of
a gradient to its subdifferential (the optimality violation that ranks
features for the working set) and what the duality gap needs of it.  All
methods here are plain numpy; the kernels inline the same proximal step.
"""

import numpy as np


class ElasticNetPenalty:
    """``l1 * ||w||_1 + l2 / 2 * ||w||_2^2``, with ``w >= 0`` if ``positive``.

    Parameters
    ----------
    l1 : float
        Weight of the L1 norm (on the n-scaled objective).
    l2 : float
        Weight of half the squared L2 norm.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    """

    def __init__(self, l1: float, l2: float, positive: bool = False):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalty weights must be >= 0, got {l1=}, {l2=}")
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.positive = bool(positive)

    def value(self, w):
        """Penalty value at ``w`` (``inf`` if a positivity constraint fails)."""
        if self.positive and np.any(w < 0):
            return np.inf
        return self.l1 * np.abs(w).sum() + 0.5 * self.l2 * np.dot(w, w)

    def prox(self, z, step):
        """``argmin_w 1/(2 step) ||w - z||^2 + g(w)``, coordinate-wise."""
        z = np.asarray(z, dtype=float)
        if self.positive:
            shrunk = np.maximum(z - step * self.l1, 0.0)
        else:
            shrunk = np.sign(z) * np.maximum(np.abs(z) - step * self.l1, 0.0)
        return shrunk / (1.0 + step * self.l2)

    weights = None  # no per-feature penalty factors

    def weight_vectors(self, n_features):
        """``(l1, l2)`` repeated per feature: what the kernels take (cached)."""
        vec = self.__dict__.setdefault("_vec", {})
        if n_features not in vec:
            vec[n_features] = (
                np.full(n_features, self.l1),
                np.full(n_features, self.l2),
            )
        return vec[n_features]

    def restrict(self, cols):
        """The penalty of the problem restricted to ``cols`` (itself)."""
        return self

    def magnitude(self, z):
        """``|z_j|`` (``z_j`` when positive): what the dual norm bounds."""
        return z if self.positive else np.abs(z)

    def threshold(self, cols=None):
        """The L1 weight of each feature of ``cols`` (one for all here)."""
        return self.l1

    def l2_weights(self, cols=None):
        """The L2 weight of each feature of ``cols`` (one for all here)."""
        return self.l2

    def subdiff_distance(self, w, grad, cols=None):
        """Distance of ``-grad`` to the subdifferential of ``g`` at ``w``.

        ``grad`` is the gradient of the smooth datafit; the result is zero
        exactly at the optimum of datafit + penalty (the KKT conditions).
        """
        w = np.asarray(w)
        g = -np.asarray(grad) - self.l2 * w
        dist = np.empty_like(g, dtype=float)
        nz = w != 0
        dist[nz] = np.abs(g[nz] - self.l1 * np.sign(w[nz]))
        zero = ~nz
        if self.positive:
            dist[zero] = np.maximum(g[zero] - self.l1, 0.0)
        else:
            dist[zero] = np.maximum(np.abs(g[zero]) - self.l1, 0.0)
        return dist

    def dual_norm(self, z, cols=None):
        """``max_j |z_j|`` (``max_j z_j`` when positive): the L1 dual norm."""
        if z.size == 0:
            return 0.0
        return float(np.max(z)) if self.positive else float(np.max(np.abs(z)))

    def conjugate_l2_part(self, z):
        """``g*(z)`` when ``l2 > 0``: ``sum_j (|z_j| - l1)_+^2 / (2 l2)``."""
        excess = z - self.l1 if self.positive else np.abs(z) - self.l1
        excess = np.maximum(excess, 0.0)
        return float(np.dot(excess, excess)) / (2.0 * self.l2)

    def __repr__(self):
        return (
            f"{type(self).__name__}(l1={self.l1!r}, l2={self.l2!r}, "
            f"positive={self.positive!r})"
        )


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
