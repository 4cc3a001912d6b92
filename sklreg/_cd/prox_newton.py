"""The prox-Newton solver of penalised logistic regression.

It minimises ``P(W, b) = sum_i s_i l(z_i, y_i) + penalty(W)`` (see
``datafits_logistic``).  One outer step (one unit of ``max_iter``):

1. compute the probabilities, the gradient ``G^T X`` and the duality gap;
   stop when the gap is at most ``tol * sum_i s_i`` (or, without any
   penalised feature, when the largest gradient entry is at most ``tol *
   sum_i s_i``: scikit-learn's lbfgs criterion on the mean loss);
2. for each row ``k`` of ``W`` in turn (one row for the binomial loss, each
   class for the multinomial loss, the other classes fixed: glmnet's
   cycling), build the quadratic model of the loss in row ``k`` with
   Hessian weights ``s p_k (1 - p_k)``;
3. pick a working set: the features ranked by their distance to the
   subdifferential of the penalty, at least twice the support, with every
   unpenalised feature in (the whole feature set when there is no L1 part:
   the solution is then dense anyway);
4. minimise model + penalty over the working set by a few coordinate-descent
   epochs (the intercept has its own Newton step), from the current point;
5. backtrack on the true objective (Armijo, from step 1, halving) along
   the direction found: the objective never increases, which keeps
   separable data (where the optimum runs away as ``C`` grows) safe.

``n_iter`` counts outer steps; a :class:`~sklearn.exceptions.
ConvergenceWarning` is emitted when ``max_iter`` ends the run first.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklreg._cd._kernels_logistic import best_common_shift

_CONVERGENCE_MESSAGE = (
    "The prox-Newton solver did not converge within max_iter={max_iter} "
    "iterations (stopping criterion {crit:.3e} > tolerance {tol:.3e}). "
    "Increase max_iter, scale the data or increase the regularisation."
)


@dataclass
class ProxNewtonResult:
    """What :meth:`ProxNewtonSolver.solve` returns.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_features)
    intercept : ndarray of shape (n_rows,)
    criterion : float
        The stopping criterion at ``coef``, unscaled: the duality gap of
        ``P`` (or, without penalised features, the largest gradient entry).
    certified : bool
        Whether ``criterion`` is a duality gap.
    n_iter : int
        Outer prox-Newton steps.
    converged : bool
    """

    coef: np.ndarray
    intercept: np.ndarray
    criterion: float
    certified: bool
    n_iter: int
    converged: bool


class ProxNewtonSolver:
    """Prox-Newton with working-set coordinate descent inside.

    Parameters
    ----------
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * sum_i s_i``.
    max_iter : int, default=100
        Maximal number of outer (prox-Newton) steps.
    max_epochs : int, default=100
        Coordinate-descent epochs per quadratic model at most.
    ws_start : int, default=10
        Smallest working-set size.
    max_backtrack : int, default=40
        Halvings of the line search before the step is given up.
    verbose : int, default=0
        Print the criterion at each outer step when positive.
    warn : bool, default=True
        Emit a ConvergenceWarning when ``max_iter`` ends the run.
    """

    def __init__(
        self,
        tol=1e-4,
        max_iter=100,
        max_epochs=100,
        ws_start=10,
        max_backtrack=40,
        verbose=0,
        warn=True,
    ):
        self.tol = tol
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.ws_start = ws_start
        self.max_backtrack = max_backtrack
        self.verbose = verbose
        self.warn = warn

    def solve(self, datafit, penalty, coef0=None, intercept0=None):
        """Minimise ``datafit + penalty`` from ``(coef0, intercept0)``.

        Parameters
        ----------
        datafit : BinomialLoss or MultinomialLoss
        penalty : PenaltyVectors
        coef0 : ndarray of shape (n_rows, n_features), default=None
        intercept0 : ndarray of shape (n_rows,), default=None

        Returns
        -------
        ProxNewtonResult
        """
        n_rows, n_features = datafit.n_rows, datafit.design.n_features
        W = np.zeros((n_rows, n_features))
        b = np.zeros(n_rows)
        if coef0 is not None:
            W[:] = coef0
        if intercept0 is not None and datafit.fit_intercept:
            b[:] = intercept0
        W[:, penalty.excluded] = 0.0
        certified = penalty.any_penalised
        tol_abs = self.tol * datafit.stopping_scale()
        Z = datafit.linear_predictor(W, b)
        crit = np.inf
        n_iter = 0
        converged = False
        while True:
            P = datafit.probabilities(Z)
            G = datafit.sample_gradient(P)
            grad = datafit.gradient(G)
            crit = self._criterion(datafit, penalty, W, Z, P, G, grad, certified)
            if self.verbose:
                print(f"prox-Newton step {n_iter}: criterion {crit:.3e}")
            if crit <= tol_abs:
                converged = True
                break
            if n_iter >= self.max_iter:
                break
            n_iter += 1
            inner_tol = 1e-3 * (crit if np.isfinite(crit) else tol_abs)
            for k in range(n_rows):
                if k > 0:
                    # the other classes moved: refresh this class's gradient
                    P = datafit.probabilities(Z)
                    G = datafit.sample_gradient(P)
                    grad[k] = datafit.design.rmatvec(G[:, k])
                self._newton_step(datafit, penalty, W, b, Z, P, G, grad, k, inner_tol)
            if datafit.multinomial:
                _shift_classes(datafit, penalty, W, b, Z)
        if not converged and self.warn:
            warnings.warn(
                _CONVERGENCE_MESSAGE.format(
                    max_iter=self.max_iter, crit=crit, tol=tol_abs
                ),
                ConvergenceWarning,
                stacklevel=3,
            )
        return ProxNewtonResult(W, b, crit, certified, n_iter, converged)

    @staticmethod
    def _criterion(datafit, penalty, W, Z, P, G, grad, certified):
        if certified:
            return datafit.duality_gap(W, Z, P, grad, penalty)
        crit = penalty.restricted_gradient_norm(grad)
        if datafit.fit_intercept:
            crit = max(crit, float(np.abs(G.sum(axis=0)).max()))
        return crit

    def working_set(self, penalty, w, grad):
        """Features of the next quadratic model, in increasing order."""
        if penalty.l1 == 0:
            return np.flatnonzero(~penalty.excluded)
        scores = penalty.subdiff_distance(w, grad)
        support = w != 0
        scores[support] = np.inf
        size = max(self.ws_start, 2 * int(support.sum()))
        size = min(size, w.shape[0])
        top = np.argpartition(-scores, size - 1)[:size] if size else []
        ws = np.asarray(top, dtype=np.intp)
        ws = ws[scores[ws] > 0]
        free = np.flatnonzero(penalty.free)
        return np.union1d(ws, free).astype(np.intp)

    def _newton_step(self, datafit, penalty, W, b, Z, P, G, grad, k, inner_tol):
        """One quadratic model of row ``k``, solved and line-searched; updates
        ``W[k]``, ``b[k]`` and ``Z[:, k]`` in place."""
        ws = self.working_set(penalty, W[k], grad[k])
        h = datafit.hessian_weights(P, k)
        u = G[:, k].copy()
        w_new = W[k].copy()
        b_new = np.array([b[k]])
        datafit.design.quadratic_cd(
            w_new,
            b_new,
            u,
            h,
            penalty.l1s,
            penalty.l2s,
            ws,
            datafit.fit_intercept,
            self.max_epochs,
            inner_tol,
        )
        dw = w_new - W[k]
        db = b_new[0] - b[k]
        moved = np.flatnonzero(dw)
        if moved.size == 0 and db == 0.0:
            return
        dz = datafit.design.matvec(dw, moved) + db
        pen_k = penalty.value(W[k])
        obj0 = datafit.value(Z) + pen_k
        # predicted decrease of the prox-Newton step (<= 0 up to the inexact
        # inner solve): gradient . direction + penalty change
        decrease = (
            float(grad[k] @ dw)
            + db * float(G[:, k].sum())
            + penalty.value(w_new)
            - pen_k
        )
        decrease = min(decrease, 0.0)
        # near the optimum the decrease falls below the rounding of the
        # objective itself: a step within that noise is accepted
        noise = 1e-13 * abs(obj0)
        z_k = Z[:, k].copy()
        t = 1.0
        for _ in range(self.max_backtrack):
            Z[:, k] = z_k + t * dz
            w_t = W[k] + t * dw
            obj = datafit.value(Z) + penalty.value(w_t)
            if obj <= obj0 + 1e-4 * t * decrease + noise:
                W[k] = w_t
                b[k] += t * db
                return
            t *= 0.5
        Z[:, k] = z_k  # no acceptable step: stay


def _shift_classes(datafit, penalty, W, b, Z):
    """The multinomial loss does not change when one vector ``c`` is added to
    every class's coefficients (softmax is shift invariant): give each
    feature the shift that minimises its penalty, ``argmin_c sum_k f_j (l1
    |W_kj - c| + l2/2 (W_kj - c)^2)`` (glmnet's centring).

    Cycling over the classes converges slowly along that direction, to
    which every class's own curvature is blind; this exact step removes it.
    The intercepts are centred likewise (their mean is free).
    """
    pen = np.flatnonzero(penalty.penalised)
    if pen.size == 0:
        return
    shift = np.zeros(W.shape[1])
    Wp = np.ascontiguousarray(W[:, pen].T)
    out = np.empty(pen.size)
    best_common_shift(Wp, penalty.l1, penalty.l2, out)
    shift[pen] = out
    moved = np.flatnonzero(shift)
    if moved.size:
        W -= shift
        Z -= datafit.design.matvec(shift, moved)[:, None]
    if datafit.fit_intercept:
        mean = b.mean()
        b -= mean
        Z -= mean
