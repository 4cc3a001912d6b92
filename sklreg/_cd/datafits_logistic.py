"""The logistic loss datafit of the prox-Newton solver.

The solver minimises, over the coefficients ``W`` of shape ``(n_classes,
n_features)`` and the unpenalised intercepts ``b``,

    P(W, b) = sum_i s_i l(z_i, y_i) + sum_k sum_j f_j (l1 |W_kj| + l2/2 W_kj^2),
    z_i = W x_i + b,

with sample weights ``s_i >= 0`` and per-feature penalty factors ``f_j``
(glmnet's ``penalty.factor``: ``0`` unpenalised, ``inf`` excluded).  Two
losses:

* binomial (:class:`BinomialLoss`), one row ``W`` and labels ``y_i in {0,
  1}``: ``l(z, y) = log(1 + e^z) - y z``, ``p = sigmoid(z)``;
* multinomial (:class:`MultinomialLoss`), one row per class and one-hot
  labels ``Y``: ``l(z, y) = logsumexp(z) - z_y``, ``P = softmax(z)``.

The duality gap
---------------
The Fenchel dual is an entropy: with a dual point ``theta = s (Y - P')``,

    D(theta) = sum_i s_i H(P'_i) - sum_j g_j^*(X_j^T theta),

which is finite when each ``P'_i`` is a probability vector and, when the
model has an intercept, ``sum_i theta_ik = 0`` for each class (an
unpenalised feature adds ``X_j^T theta = 0``: its conjugate is the indicator
of 0).  The dual point is built from the current probabilities ``P``:

1. ``theta = s (Y - P)``, the negative per-sample gradient (the optimal dual
   point at the optimum);
2. with an intercept, ``P`` is first taken at the intercept-optimal shift
   of ``Z`` (a few safeguarded Newton steps on the intercepts, for the
   dual point only): ``sum_i theta_ik = 0`` up to rounding, ``P`` still in
   the simplex, even on (nearly) separable data where ``P`` is 0 or 1 to
   machine precision;
3. the equality constraints are then imposed exactly by the
   ``s``-weighted projection ``P' = P + A delta``, ``(A^T S A) delta = A^T
   theta``, ``A = [1, X_unpenalised]`` (a weighted centring of ``theta``
   when only the intercept is free): the rows of ``P'`` still sum to one;
   if ``P'`` leaves the simplex by more than ``1e-12`` the gap is reported
   as ``inf`` (not certified yet), within that it is clipped;
4. with a pure L1 penalty, ``theta`` is scaled by ``alpha <= 1`` into the
   dual-norm ball ``|X_j^T theta| <= l1 f_j``; then ``P'' = (1 - alpha) Y +
   alpha P'`` is still a probability vector.  With an L2 part every
   ``theta`` is feasible and ``g_j^*(u) = (|u| - l1 f_j)_+^2 / (2 l2 f_j)``.

``P(W, b) - D(theta)`` bounds the suboptimality.  The solver stops when it
is at most ``tol * sum_i s_i``: on the mean-loss scale (the objective
divided by the total sample weight, where the loss at ``W = 0`` is
``log(n_classes)`` without intercept) the gap is at most ``tol``.  When no
feature is penalised (``C = inf``) there is no finite dual and the
criterion is the first-order one of scikit-learn's lbfgs: the largest
gradient entry of the mean loss at most ``tol``.
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax, xlogy

from sklreg._cd import _aot
from sklreg._cd._lazy import lazy_module
from sklreg._cd.penalties import ElasticNetPenalty

_k = lazy_module("sklreg._cd._kernels_logistic")
_kernels_plain = lazy_module("sklreg._cd._kernels_plain")


class PenaltyVectors(ElasticNetPenalty):
    """``sum_j f_j (l1 |w_j| + l2/2 w_j^2)`` on a ``(n_rows, n_features)``
    coefficient block: :class:`~sklreg._cd.penalties.ElasticNetPenalty`
    (its compiled subdifferential distance and weight vectors) with the
    feature masks the prox-Newton solver and the dual point need.

    Parameters
    ----------
    l1, l2 : float
        Global weights.
    factors : ndarray of shape (n_features,) or None
        Penalty factors ``f_j`` in ``[0, inf]`` (None: ones).
    n_features : int
    """

    def __init__(self, l1, l2, factors, n_features):
        super().__init__(l1, l2, positive=False, weights=factors)
        f = np.ones(n_features) if factors is None else self.weights
        self.factors = f
        self.excluded = np.isinf(f)
        self.free = f == 0
        self.penalised = ~self.excluded & ~self.free
        self.free_features = np.flatnonzero(self.free)
        # excluded features: infinite weights, the prox returns 0
        self.l1s, self.l2s = self.weight_vectors(n_features)
        self.any_penalised = bool(self.penalised.any()) and (l1 > 0 or l2 > 0)
        self.all_features = np.arange(n_features, dtype=np.intp)

    def value(self, W, cols=None):
        """Penalty at ``W`` (one row or a block of rows, features last), or
        its part over the features ``cols`` (``W`` still has them all)."""
        W = np.atleast_2d(W)
        cols = self.all_features if cols is None else cols
        return float(sum(_aot.penalty_value(w, self.l1s, self.l2s, cols) for w in W))

    def restricted_gradient_norm(self, grad):
        """``max |grad_j|`` over the non-excluded features (first order)."""
        keep = ~self.excluded
        if not keep.any():
            return 0.0
        return float(np.abs(grad[..., keep]).max())


class _LogisticLoss:
    """What the binomial and the multinomial losses share.

    Parameters
    ----------
    design : Design
    Y : ndarray of shape (n_samples, n_rows)
        Binomial: ``y in {0, 1}`` as one column; multinomial: one-hot.
    sample_weight : ndarray of shape (n_samples,)
        ``s_i >= 0`` (sample weights times class weights).
    fit_intercept : bool
    """

    def __init__(self, design, Y, sample_weight, fit_intercept):
        self.design = design
        self.Y = np.asarray(Y, dtype=np.float64)
        self.s = np.asarray(sample_weight, dtype=np.float64)
        self.fit_intercept = bool(fit_intercept)
        self.weight_sum = float(self.s.sum())
        self.n_rows = self.Y.shape[1]
        self._xts = None

    def linear_predictor(self, W, b, cols=None):
        """``Z = X W^T + b``, shape ``(n_samples, n_rows)``; ``cols``: the
        features where ``W`` may be non-zero (None: found)."""
        Z = np.empty((self.design.n_samples, self.n_rows))
        for k in range(self.n_rows):
            support = np.flatnonzero(W[k]) if cols is None else cols
            Z[:, k] = self.design.matvec(W[k], support) + b[k]
        return Z

    def sample_gradient(self, P):
        """``s (P - Y)``: the gradient of the loss in ``Z``."""
        return self.s[:, None] * (P - self.Y)

    def gradient(self, G):
        """``G^T X``, shape ``(n_rows, n_features)``; with an intercept the
        first call computes ``X^T s`` (the dual projection's) in the same
        pass over X."""
        if self._xts is None and self.fit_intercept:
            out = self.design.rmatvec_block(np.column_stack([G, self.s]))
            self._xts = out[-1].copy()
            return out[:-1]
        return self.design.rmatvec_block(G)

    def hessian_weights(self, P, k):
        """``s P_k (1 - P_k)``: the diagonal block of row ``k`` of the Hessian
        in ``Z`` (exact for the binomial loss and for one class of the
        multinomial loss, the other classes fixed)."""
        p = P[:, k]
        return self.s * p * (1.0 - p)

    def _xt_s(self):
        if self._xts is None:
            self._xts = self.design.rmatvec(self.s)
        return self._xts

    def stopping_scale(self):
        """``sum_i s_i``: the gap is compared with ``tol`` times this."""
        return self.weight_sum

    def duality_gap(self, W, Z, P, grad, penalty, target=None, loss=None):
        """Duality gap at ``(W, b)`` (see the module docstring), or ``inf``
        when the projected dual point leaves the simplex.

        ``Z`` and ``P`` are the linear predictor and probabilities at
        ``(W, b)``; ``grad`` the gradient ``G^T X``, shape ``(n_rows,
        n_features)``.

        With an intercept, the dual point of the intercept-optimal shift of
        ``Z`` (step 2 of the module docstring) costs one more pass over
        ``X``.  Given ``target`` (the solver's stopping threshold), it is
        formed only where it can decide the stop: when the plain dual point
        (step 3 applied to ``P`` itself) gives ``inf`` (``P`` saturated on
        nearly separable data) or a gap in ``(target, 100 target]``; the
        two differ by the square of the intercept's gradient, which the
        inner solve keeps small.  Without ``target`` it is always formed.
        The smaller of the two gaps is returned (both bound the
        suboptimality).  ``loss``, when given, is the loss at ``Z`` (saves
        its evaluation).
        """
        primal = (self.value(Z) if loss is None else loss) + penalty.value(W)
        if not self.fit_intercept:
            return self._gap_from(primal, P, grad, penalty)
        gap = np.inf
        if target is not None:
            gap = self._gap_from(primal, P, grad, penalty)
            if gap <= target or (np.isfinite(gap) and gap > 100 * target):
                return gap
        # dual point of the intercept-optimal shift of Z: in the simplex,
        # and sum_i theta_ik = 0 up to rounding (the projection then moves P
        # by rounding errors only)
        shifted = self._intercept_shift(Z)
        if shifted is None:  # Z is intercept-optimal already
            if target is None:
                gap = self._gap_from(primal, P, grad, penalty)
            return gap
        P = self.probabilities(shifted)
        grad = self.gradient(self.sample_gradient(P))
        return min(gap, self._gap_from(primal, P, grad, penalty))

    def _gap_from(self, primal, P, grad, penalty):
        """``primal - D(theta)`` for the dual point made from ``P`` (whose
        gradient is ``grad``) by steps 3 and 4 of the module docstring."""
        P_dual = P
        theta = -self.sample_gradient(P)
        # X^T theta for every feature, shape (n_rows, n_features)
        xt_theta = -grad
        free = penalty.free_features
        if self.fit_intercept or free.size:
            P_dual, xt_theta = self._project(P, theta, xt_theta, free)
            if P_dual is None:
                return np.inf
        top, conj = _aot.dual_scaling(
            np.ascontiguousarray(xt_theta),
            penalty.l1s,
            penalty.l2s,
            penalty.penalised,
            penalty.l2 > 0,
        )
        if top > 1.0:  # pure L1: scale theta into the dual-norm ball
            alpha = 1.0 / top
            P_dual = (1.0 - alpha) * self.Y + alpha * P_dual
        dual = self.weighted_entropy(P_dual) - conj
        return max(primal - dual, 0.0)

    def _intercept_shift(self, Z, max_iter=50):
        """``Z + gamma`` with ``gamma`` minimising the loss over the
        intercepts (safeguarded Newton, one row at a time), or None when
        ``Z`` already is intercept-optimal to rounding."""
        scale = 1e-13 * self.weight_sum
        G = self.sample_gradient(self.probabilities(Z))
        if np.abs(G.sum(axis=0)).max() <= scale:
            return None
        Z = Z.copy()
        for _ in range(max_iter):
            worst = 0.0
            for k in range(self.n_rows):
                P = self.probabilities(Z)
                g = float(self.s @ (P[:, k] - self.Y[:, k]))
                hess = float(self.hessian_weights(P, k).sum())
                worst = max(worst, abs(g))
                if abs(g) <= scale:
                    continue
                step = -g / hess if hess > 0 else -np.sign(g)
                Z[:, k] += np.clip(step, -5.0, 5.0)
            if worst <= scale:
                break
        return Z

    def _project(self, P, theta, xt_theta, free):
        """Impose ``A^T theta = 0`` (``A = [1, X_free]``) by an ``s``-weighted
        projection; returns ``(P', X^T theta')`` or ``(None, None)``."""
        s = self.s
        m = int(self.fit_intercept) + free.size
        M = np.zeros((m, m))
        off = int(self.fit_intercept)
        if self.fit_intercept:
            M[0, 0] = self.weight_sum
        if free.size:
            xts = self._xt_s()[free]
            if self.fit_intercept:
                M[0, 1:] = xts
                M[1:, 0] = xts
            M[off:, off:] = self.design.gram_weighted(free, s)
        rhs = np.empty((m, self.n_rows))
        if self.fit_intercept:
            rhs[0] = theta.sum(axis=0)
        if free.size:
            rhs[off:] = xt_theta[:, free].T
        delta = np.linalg.lstsq(M, rhs, rcond=None)[0]
        # A delta, shape (n_samples, n_rows)
        shift = np.zeros_like(P)
        xt_shift = np.zeros_like(xt_theta)
        if self.fit_intercept:
            shift += delta[0]
            xt_shift += np.outer(delta[0], self._xt_s())
        if free.size:
            Xd = self.design.columns_dot(free, delta[off:])
            shift += Xd
            xt_shift += self.gradient(s[:, None] * Xd)
        P_new = P + shift
        if not self.feasible(P_new):
            return None, None
        # theta' = s (Y - P') = theta - s A delta
        return self.clip(P_new), xt_theta - xt_shift


class BinomialLoss(_LogisticLoss):
    """``sum_i s_i (log(1 + exp(z_i)) - y_i z_i)``, ``y in {0, 1}``.

    ``Y`` has one column: the 0/1 labels (the positive class is 1).
    """

    multinomial = False

    def __init__(self, design, Y, sample_weight, fit_intercept):
        super().__init__(design, Y, sample_weight, fit_intercept)
        self._y = np.ascontiguousarray(self.Y[:, 0])

    def value(self, Z):
        """The weighted loss at the linear predictor ``Z``."""
        return _aot.binomial_loss(np.ascontiguousarray(Z[:, 0]), self._y, self.s)

    def probabilities(self, Z):
        """``sigmoid(Z)``."""
        return expit(Z)

    @staticmethod
    def entropy(P):
        """``H(p) = -p log p - (1 - p) log(1 - p)``."""
        p = P[:, 0]
        return -xlogy(p, p) - xlogy(1.0 - p, 1.0 - p)

    def weighted_entropy(self, P):
        """``sum_i s_i H(p_i)`` (the dual objective's entropy part)."""
        return _aot.binomial_entropy(np.ascontiguousarray(P[:, 0]), self.s)

    @staticmethod
    def feasible(P):
        return bool(np.all((P >= -1e-12) & (P <= 1.0 + 1e-12)))

    @staticmethod
    def clip(P):
        return np.clip(P, 0.0, 1.0)


class MultinomialLoss(_LogisticLoss):
    """``sum_i s_i (logsumexp(z_i) - z_{i, y_i})``, one-hot ``Y``."""

    multinomial = True

    def value(self, Z):
        """The weighted loss at the linear predictor ``Z``."""
        return float(self.s @ (logsumexp(Z, axis=1) - (Z * self.Y).sum(axis=1)))

    def probabilities(self, Z):
        """``softmax(Z)`` row by row."""
        return softmax(Z, axis=1)

    @staticmethod
    def entropy(P):
        """``H(P_i) = -sum_k P_ik log P_ik``."""
        return -xlogy(P, P).sum(axis=1)

    def weighted_entropy(self, P):
        """``sum_i s_i H(P_i)`` (the dual objective's entropy part)."""
        return float(self.s @ self.entropy(P))

    @staticmethod
    def feasible(P):
        return bool(np.all(P >= -1e-12))

    @staticmethod
    def clip(P):
        return np.maximum(P, 0.0)
