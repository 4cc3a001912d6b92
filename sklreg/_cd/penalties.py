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

    def subdiff_distance(self, w, grad):
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

    def dual_norm(self, z):
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
