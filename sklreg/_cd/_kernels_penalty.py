"""Numba loops of the separable penalties (``penalties.ElasticNetPenalty``).

The penalty ``sum_j l1_j |w_j| + l2_j/2 w_j^2`` is given per feature
(``l1_j = l1 f_j``, ``l2_j = l2 f_j`` for penalty factors ``f``; ``inf``
excludes a feature, whose coefficient is zero).  These loops replace a
handful of numpy temporaries each: the working-set solver calls them at
every outer iteration.  ``tests/test_penalties.py`` checks them against
numpy.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def subdiff_distance(w, grad, l1s, l2s, positive, cols, out):
    """``out[k]``: distance of ``-grad[k]`` to the subdifferential of the
    penalty of feature ``j = cols[k]`` at ``w[k]`` (``w``, ``grad`` over
    ``cols``); ``inf`` for an unpenalised feature (``l1_j = l2_j = 0``), so
    that it always joins the working set."""
    for k in range(cols.shape[0]):
        j = cols[k]
        l1 = l1s[j]
        if l1 == 0.0 and l2s[j] == 0.0:
            out[k] = np.inf
            continue
        wk = w[k]
        if wk != 0.0:
            g = -grad[k] - l2s[j] * wk
            out[k] = abs(g - l1) if wk > 0.0 else abs(g + l1)
        else:
            g = -grad[k]
            mag = g if positive else abs(g)
            out[k] = max(mag - l1, 0.0)  # 0 for an excluded feature


@njit(cache=True, nogil=True)
def dual_norm(z, inv_f, positive, cols):
    """``max_k |z[k]| / f_j`` over the penalised features ``j = cols[k]``
    (``z[k]`` when positive; ``inv_f`` is ``1/f``, 0 off the penalised)."""
    best = 0.0
    for k in range(cols.shape[0]):
        mag = z[k] if positive else abs(z[k])
        best = max(best, mag * inv_f[cols[k]])
    return best
