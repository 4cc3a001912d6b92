"""The prox-Newton solver of penalised logistic regression.

It minimises ``P(W, b) = sum_i s_i l(z_i, y_i) + penalty(W)`` (see
``datafits_logistic``).  One outer step (one unit of ``max_iter``):

1. compute the probabilities, the gradient ``G^T X`` and the duality gap;
   stop when the gap is at most ``tol * sum_i s_i`` (or, without any
   penalised feature, when the largest gradient entry is at most ``tol *
   sum_i s_i``: scikit-learn's lbfgs criterion on the mean loss);
2. build the quadratic model of the loss: for the binomial loss, Hessian
   weights ``s p (1 - p)``; for the multinomial loss, the joint model of
   all classes with the full Hessian (classes coupled, ``s_i (diag(P_i) -
   P_i P_i^T)``).  Cycling over the classes, one class's model at a time
   (glmnet's way), was tried first: it converges linearly, badly so with
   an L1 penalty, since each class is blind to the others' moves;
3. pick a working set: the features ranked by their distance to the
   subdifferential of the penalty (the largest over the classes), at least
   twice the support (four times when it filled the last one), with every
   unpenalised feature in (the whole feature set when there is no L1 part:
   the solution is then dense anyway);
4. minimise model + penalty over the working set by coordinate-descent
   epochs (the intercepts have their own Newton steps), from the current
   point, until the epochs' steps are ``loose_inner_tol`` (relative) small
   (inexact Newton); once the criterion is met, one last step with the
   tight ``inner_tol`` polishes the result (its certificate is the last
   gap less the objective's decrease: the dual point still bounds it);
5. backtrack on the true objective (Armijo, from the full step, halving) along
   the direction found: the objective never increases, which keeps
   separable data (where the optimum runs away as ``C`` grows) safe;
6. multinomial: give each feature the common shift of its class
   coefficients that minimises the penalty (the loss does not see it).

``n_iter`` counts outer steps; a :class:`~sklearn.exceptions.
ConvergenceWarning` is emitted when ``max_iter`` ends the run first.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklreg._cd import _aot

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
    max_epochs : int, default=1000
        Coordinate-descent epochs per quadratic model at most.
    loose_inner_tol : float, default=1e-4
        The epochs on a quadratic model stop once an epoch's largest
        ``curvature * step^2`` is at most ``loose_inner_tol`` times the first
        epoch's (inexact Newton).
    inner_tol : float, default=1e-12
        The same for the last, polishing step, taken once the stopping
        criterion is met (if any step was taken before and ``max_iter``
        allows); it counts in ``n_iter``.
    polish_epochs : int, default=5
        Epochs of the polishing step at most on a large working set
        (``n_samples * n_ws > 1e5``): on sparse text data with thousands of
        active features it ran 500 epochs (94 with the Anderson steps), half
        the fit's time, where the result was already certified by the
        criterion.  Measured relative suboptimality after 0 / 5 / 20
        epochs: 2e-12 / 1e-15 / 0 (10^4 x 10^5 text data, lambda_max / 10),
        1e-9 / 0 / 0 (50000 x 100 dense); each epoch there cost 1-2% of
        the fit.  A smaller problem polishes up to ``max_epochs`` (fits of
        weighted and of repeated samples then agree to rounding, as
        scikit-learn's checks ask).
    ws_start : int or None, default=None
        Smallest working-set size; None: a tenth of the features between 10
        and 50, or ``n_features / 500`` up to 200 if more.  On 10^5 sparse
        text features (short columns) each outer step is a pass over X and
        the epochs over a larger working set are cheap: a start at 10 cost
        two more outer steps than 50, and 200 against 50 saved one or two
        more at ``lambda_max / 50`` (0.86x and 0.91x the time, with and
        without intercept; ``lambda_max / 10`` unchanged); on 300 x 5000
        dense data a start at 200 was 10-16% slower than 50.
    max_backtrack : int, default=40
        Halvings of the line search before the step is given up.
    anderson : int, default=5
        Extrapolate the binomial model's CD iterates every ``anderson``
        epochs (Anderson acceleration; 0: never): on sparse text data with
        thousands of active rare features the last Newton steps took 70-180
        epochs without it.  Off on working sets with as many columns as
        samples.
    verbose : int, default=0
        Print the criterion at each outer step when positive.
    warn : bool, default=True
        Emit a ConvergenceWarning when ``max_iter`` ends the run.
    """

    def __init__(
        self,
        tol=1e-4,
        max_iter=100,
        max_epochs=1000,
        loose_inner_tol=1e-4,
        inner_tol=1e-12,
        polish_epochs=5,
        ws_start=None,
        max_backtrack=40,
        anderson=5,
        verbose=0,
        warn=True,
    ):
        self.tol = tol
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.loose_inner_tol = loose_inner_tol
        self.inner_tol = inner_tol
        self.polish_epochs = polish_epochs
        self.ws_start = ws_start
        self.max_backtrack = max_backtrack
        self.anderson = anderson
        self.verbose = verbose
        self.warn = warn

    def solve(
        self,
        datafit,
        penalty,
        coef0: np.ndarray | None = None,
        intercept0: np.ndarray | None = None,
    ) -> ProxNewtonResult:
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
        loss = datafit.value(Z)  # carried along: each evaluation is a pass
        crit = np.inf
        n_iter = 0
        converged = polished = False
        ws_size = 0
        while True:
            P = datafit.probabilities(Z)
            G = datafit.sample_gradient(P)
            grad = datafit.gradient(G)
            crit = self._criterion(
                datafit, penalty, W, Z, P, G, grad, certified, tol_abs, loss
            )
            if self.verbose:
                print(f"prox-Newton step {n_iter}: criterion {crit:.3e}")
            if n_iter >= self.max_iter and crit > tol_abs:
                break
            inner_tol = self.loose_inner_tol
            if crit <= tol_abs:
                if polished or n_iter == 0 or n_iter >= self.max_iter:
                    converged = True
                    break
                # inexact Newton steps got here; one step with a tight inner
                # solve makes the result independent of the way here (fits
                # of weighted and of repeated samples agree to rounding)
                polished = True
                inner_tol = self.inner_tol
            n_iter += 1
            if polished and certified:
                before = loss + penalty.value(W)
            ws_size, loss = self._newton_step(
                datafit, penalty, W, b, Z, P, G, grad, inner_tol, ws_size, loss
            )
            if datafit.multinomial:
                _shift_classes(datafit, penalty, W, b, Z)
                loss = datafit.value(Z)
            if polished and certified:
                # the dual point of the last gap still bounds the polished
                # point's suboptimality, by that gap less the decrease of the
                # objective: no more pass over X is needed
                after = loss + penalty.value(W)
                crit = max(crit - (before - after), 0.0)
                converged = True
                break
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
    def _criterion(datafit, penalty, W, Z, P, G, grad, certified, tol_abs, loss):
        if certified:
            return datafit.duality_gap(
                W, Z, P, grad, penalty, target=tol_abs, loss=loss
            )
        crit = penalty.restricted_gradient_norm(grad)
        if datafit.fit_intercept:
            crit = max(crit, float(np.abs(G.sum(axis=0)).max()))
        return crit

    def working_set(self, penalty, W, grad, previous_size=0):
        """Features of the next quadratic model, in increasing order: every
        non-excluded one without an L1 part, else the support and the worst
        violators of optimality (over all classes), with the free features.

        The size is at least ``ws_start``, and twice the support, or four
        times the support when the support filled 90% of the previous
        working set (``previous_size``): the working set was too small, and
        each outer step it takes to grow costs a pass over X.
        """
        if penalty.l1 == 0:
            return np.flatnonzero(~penalty.excluded)
        if W.shape[0] == 1:
            scores = penalty.subdiff_distance(W[0], grad[0])
            support = W[0] != 0
        else:
            scores = np.max(
                [penalty.subdiff_distance(w, g) for w, g in zip(W, grad, strict=True)],
                axis=0,
            )
            support = np.any(W != 0, axis=0)
        scores[support] = np.inf
        n_support = int(np.count_nonzero(support))
        growth = 4 if previous_size and n_support >= 0.9 * previous_size else 2
        start = self.ws_start
        if start is None:
            p = W.shape[1]
            start = max(min(50, max(10, p // 10)), min(200, p // 500))
        size = min(max(start, growth * n_support), W.shape[1])
        ws = np.argpartition(-scores, size - 1)[:size] if size else []
        ws = np.asarray(ws, dtype=np.intp)
        ws = ws[scores[ws] > 0]
        if penalty.free_features.size:
            return np.union1d(ws, penalty.free_features).astype(np.intp)
        return np.sort(ws)

    def _anderson_for(self, datafit, ws):
        """The inner Anderson period on ``ws``: off when the working set has
        as many columns as samples (the restricted model is then flat along
        the null space of ``X[:, ws]``, where extrapolation would amplify
        rounding and let the last bits pick the end point; see
        ``WorkingSetSolver._may_extrapolate``)."""
        if ws.shape[0] + datafit.fit_intercept >= datafit.design.n_samples:
            return 0
        return self.anderson

    def _newton_step(
        self, datafit, penalty, W, b, Z, P, G, grad, inner_tol, previous_size, loss
    ):
        """One quadratic model of the loss (the binomial row, or the joint
        multinomial model of all classes), solved by CD on a working set and
        line-searched; updates ``W``, ``b`` and ``Z`` in place and returns
        the working set's size and the loss at the new point (``loss``: at
        the current one)."""
        ws = self.working_set(penalty, W, grad, previous_size)
        W_new, b_new = W.copy(), b.copy()
        epochs = self.max_epochs
        large = datafit.design.n_samples * len(ws) > _LARGE_POLISH_WORK
        if inner_tol <= self.inner_tol and large:
            epochs = min(self.polish_epochs, self.max_epochs)
        design = datafit.design
        if datafit.multinomial:
            design.multinomial_cd(
                W_new,
                b_new,
                G,
                P,
                datafit.s,
                penalty.l1s,
                penalty.l2s,
                ws,
                datafit.fit_intercept,
                epochs,
                inner_tol,
            )
        else:
            design.quadratic_cd(
                W_new[0],
                b_new,
                G[:, 0].copy(),
                datafit.hessian_weights(P, 0),
                penalty.l1s,
                penalty.l2s,
                ws,
                datafit.fit_intercept,
                epochs,
                inner_tol,
                self._anderson_for(datafit, ws),
            )
        # the step moves the working set's coefficients only: the
        # bookkeeping below stays on them (a few columns of 10^5 on text)
        W_ws = W[:, ws]
        dW_ws, db = W_new[:, ws] - W_ws, b_new - b
        if not (dW_ws.any() or db.any()):
            return len(ws), loss
        dW = np.zeros_like(W)
        dW[:, ws] = dW_ws
        dZ = datafit.linear_predictor(dW, db, ws)
        # predicted decrease of the prox-Newton step (<= 0 up to the inexact
        # inner solve): gradient . direction + penalty change
        pen_ws = penalty.value(W, ws)
        decrease = (
            float((grad[:, ws] * dW_ws).sum())
            + float(db @ G.sum(axis=0))
            + penalty.value(W_new, ws)
            - pen_ws
        )
        loss = self._line_search(
            datafit, penalty, W, b, Z, dW, db, dZ, loss, pen_ws, decrease, ws
        )
        return len(ws), loss

    def _line_search(
        self, datafit, penalty, W, b, Z, dW, db, dZ, loss, pen_ws, decrease, ws
    ):
        """Armijo backtracking from the full step; updates in place and
        returns the loss at the point taken (``loss``: at the current one).
        ``dW`` is zero off the working set ``ws``, where ``pen_ws`` is the
        penalty at ``W``: the penalty's change is computed there."""
        decrease = min(decrease, 0.0)
        # near the optimum the decrease falls below the rounding of the
        # objective itself: a step within that noise is accepted
        noise = 1e-13 * abs(loss + penalty.value(W))
        if -decrease <= 1e3 * noise:
            # a Newton step predicted to change the objective by rounding
            # noise only is tiny in the Hessian's metric: take it whole
            # (halving it would make the final convergence linear)
            W += dW
            b += db
            Z += dZ
            return datafit.value(Z)
        Z0 = Z.copy()
        t = 1.0
        for _ in range(self.max_backtrack):
            Z[:] = Z0 + t * dZ
            trial = datafit.value(Z)
            change = penalty.value(W + t * dW, ws) - pen_ws
            if trial - loss + change <= 1e-4 * t * decrease + noise:
                W += t * dW
                b += t * db
                return trial
            t *= 0.5
        Z[:] = Z0  # no acceptable step: stay
        return loss


# Multiply-adds of one polishing epoch above which ``polish_epochs`` applies.
_LARGE_POLISH_WORK = 1e5


def _shift_classes(datafit, penalty, W, b, Z):
    """The multinomial loss does not change when one vector ``c`` is added to
    every class's coefficients (softmax is shift invariant): give each
    feature the shift that minimises its penalty, ``argmin_c sum_k f_j (l1
    |W_kj - c| + l2/2 (W_kj - c)^2)`` (glmnet's centring).

    The quadratic model is singular along that direction (only the penalty
    curves it), where coordinate descent crawls; this exact step removes it.
    The intercepts are centred likewise (their mean is free).
    """
    pen = np.flatnonzero(penalty.penalised)
    if pen.size == 0:
        return
    shift = np.zeros(W.shape[1])
    Wp = np.ascontiguousarray(W[:, pen].T)
    out = np.empty(pen.size)
    _aot.best_common_shift(Wp, penalty.l1, penalty.l2, out)
    shift[pen] = out
    moved = np.flatnonzero(shift)
    if moved.size:
        W -= shift
        Z -= datafit.design.matvec(shift, moved)[:, None]
    if datafit.fit_intercept:
        mean = b.mean()
        b -= mean
        Z -= mean
