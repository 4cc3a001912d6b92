"""MLPRegressor: scikit-learn's MLP regressor with L1/L2, dropout and batch norm."""

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import column_or_1d

from sklreg._validation import StrOptions, _fit_context, fit_transaction
from sklreg.neural_network._base import _BaseMLP, available_if
from sklreg.neural_network._net import PoissonLoss, SquaredLoss


class MLPRegressor(RegressorMixin, _BaseMLP):
    r"""Multi-layer perceptron regressor with elastic-net, dropout and batch norm.

    The model and its training follow :class:`sklearn.neural_network.MLPRegressor`
    (same parameter names, defaults, initialization, mini-batch order,
    solvers, learning-rate schedules and stopping rules) and add
    ``l1_ratio``, ``dropout_p``, ``batch_norm`` and ``device``.  It shares
    its network, training loop and penalties with :class:`MLPClassifier`;
    each hidden layer is ``Linear -> [BatchNorm1d] -> activation ->
    [Dropout]`` and the output layer a plain ``Linear`` (one unit per target).

    Each mini-batch :math:`B` (the whole training set for ``"lbfgs"``) with
    sample weights :math:`s_i` minimizes

    .. math::

        J_B(w) = \frac{1}{\sum_{i \in B} s_i} \Big( \sum_{i \in B} s_i\,
        \ell(y_i, f_w(x_i)) + \alpha \sum_{W} \big( \rho \lVert W \rVert_1
        + \tfrac{1 - \rho}{2} \lVert W \rVert_2^2 \big) \Big)

    where :math:`W` runs over the weight matrices (not the biases, nor the
    batch-norm scales), :math:`\rho` is ``l1_ratio`` and, for
    ``loss="squared_error"``, :math:`\ell(y, z) = \tfrac12 \lVert y - z
    \rVert_2^2` summed over the targets.  With ``l1_ratio=0`` this is
    scikit-learn's objective (for several targets scikit-learn steps along
    the gradient of this sum but reports the mean over the targets in
    ``loss_``; here ``loss_`` is the objective that is minimized).  The L1
    part is a proximal (soft-thresholding) step after each optimizer step
    (in Adam's metric for Adam), so weights reach exact zeros; ``"lbfgs"``
    splits each weight into two non-negative bounded halves instead.

    **The seed's penalties.**  With unit weights, one target and batches of
    :math:`b` rows, :math:`J_B = \tfrac12 \mathrm{MSE}_B(w) +
    \tfrac{\alpha}{b} \big(\rho \lVert W \rVert_1 + \tfrac{1-\rho}{2}
    \lVert W \rVert_2^2\big)`.  So the seed's
    :math:`\mathrm{MSE}(w) + a \sum_i |w_i|` is ``l1_ratio=1,
    alpha=a * b / 2`` and :math:`\mathrm{MSE}(w) + a \sum_i w_i^2` is
    ``l1_ratio=0, alpha=a * b``, with :math:`b` the batch size
    (``n_samples`` for ``"lbfgs"`` or ``batch_size=n_samples``): both
    objectives are :math:`2 J_B`, with the same minimizers.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        ``"squared_error"``: :math:`\ell(y, z) = \tfrac12 \lVert y - z
        \rVert^2` of an identity output; ``"poisson"``: the half Poisson
        deviance :math:`\sum_j e^{z_j} - y_j z_j + y_j \log y_j - y_j` of an
        exponential output (predictions :math:`e^z`; y must be non-negative).
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Activation of the hidden layers.
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        ``"adam"``: ``torch.optim.Adam``; ``"sgd"``: ``torch.optim.SGD``
        (momentum, Nesterov) with scikit-learn's learning-rate schedules;
        ``"lbfgs"``: full-batch L-BFGS-B (scipy) on the flattened parameters,
        as scikit-learn (an L1 part is handled by splitting each weight into
        two non-negative bounded halves; no dropout).
    alpha : float, default=1e-4
        Strength of the penalty; non-negative.
    l1_ratio : float, default=0.0
        Share of the L1 part of the penalty, in [0, 1].
    dropout_p : float, default=0.0
        Probability of zeroing each hidden unit during training
        (``nn.Dropout``, survivors scaled by ``1 / (1 - dropout_p)``); dropout
        is off at prediction.  In [0, 1).
    batch_norm : bool, default=False
        Add ``BatchNorm1d`` (eps=1e-5, learnable scale and shift) after each
        hidden ``Linear``; prediction uses the running statistics.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule of SGD's rate (scikit-learn's): ``"invscaling"`` sets
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t``
        the training samples seen; ``"adaptive"`` divides the rate by 5 when
        ``n_iter_no_change`` epochs fail to improve by ``tol`` (and stops
        below 1e-6).  Ignored by the other solvers.
    learning_rate_init : float, default=0.001
        Learning rate of the optimizer (sgd, adam).
    power_t : float, default=0.5
        Exponent of ``"invscaling"``.
    max_iter : int, default=200
        Maximum number of epochs (sgd, adam) or of iterations (lbfgs).
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization, the validation split, the shuffles and the
        dropout masks.  The same integer gives the identical model; the
        global torch RNG is left as it was.
    tol : float, default=1e-4
        Required improvement of the loss (or of the validation score when
        ``early_stopping``) over ``n_iter_no_change`` epochs to keep going.
    verbose : bool or int, default=False
        Print scikit-learn's progress lines (``Iteration N, loss = ...``,
        ``Validation score: ...`` and the stopping messages).  A progress bar
        comes from scikit-learn's callback API instead:
        ``est.set_callbacks(sklearn.callback.ProgressBar())`` reports each
        epoch (scikit-learn >= 1.9); skorch callbacks on ``net_`` see every
        batch and epoch.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
        Momentum of SGD, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with SGD (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out a ``validation_fraction`` of the training data, stop when
        its R² has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping, in (0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of the first and second moments, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Patience, in epochs.
    max_fun : int, default=15000
        Maximum number of loss evaluations of ``"lbfgs"``.
    device : str, default="cpu"
        Torch device to train on: ``"cpu"``, ``"cuda"`` (or ``"cuda:1"``...),
        or ``"auto"`` (CUDA when available).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X has string column names.
    n_iter_ : int
        Epochs (sgd, adam) or iterations (lbfgs) run by the last call.
    t_ : int
        Training samples seen over all calls (sgd, adam).
    loss_ : float
        Loss (penalty included) of the last epoch, or at the lbfgs solution.
    loss_curve_ : list of float
        Loss of each epoch (sample-weighted mean over its batches) or of each
        lbfgs iteration.
    validation_scores_ : list of float or None
        Validation R² of each epoch when ``early_stopping``, else None.
    best_validation_score_ : float or None
        Best validation R² when ``early_stopping``, else None.
    best_loss_ : float or None
        Lowest loss when not ``early_stopping``, else None.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(fan_in, fan_out)``: the weights of layer i.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape ``(fan_out,)``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of targets.
    out_activation_ : {"identity", "exp"}
        Output activation (``"exp"`` for ``loss="poisson"``).
    net_ : RegularizedNet
        The fitted skorch net (``net_.module_`` is the torch module).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The numpy MLP this one mirrors.
    MLPClassifier : The classifier on the same base.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklreg import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", alpha=10.0,
    ...                    l1_ratio=0.5, max_iter=500, random_state=0)
    >>> model = make_pipeline(StandardScaler(), reg).fit(X, (y - y.mean()) / y.std())
    >>> model.score(X, (y - y.mean()) / y.std()) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=1e-4,
        l1_ratio=0.0,
        dropout_p=0.0,
        batch_norm=False,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        device="cpu",
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.dropout_p = dropout_p
        self.batch_norm = batch_norm
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.device = device

    # ------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "MLPRegressor":
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data trains a float32 network, anything
            else a float64 one.  Sparse X (CSR, CSC) is densified one batch at
            a time.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "MLPRegressor":
        """Train for one epoch over the given data (solvers sgd and adam).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict the targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, in the network's dtype (that of the training X).
        """
        out = self._logits(X)
        if self.loss == "poisson":
            out = np.exp(out)
        return out.ravel() if out.shape[1] == 1 else out

    # ----------------------------------------------------------------- hooks
    def _make_criterion(self):
        return PoissonLoss if self.loss == "poisson" else SquaredLoss

    def _predict_nonlinearity(self):
        return torch.exp if self.loss == "poisson" else None

    def _out_activation(self, n_outputs):
        return "exp" if self.loss == "poisson" else "identity"

    def _validation_score(self, logits, data):
        """Sample-weighted R² (uniform average over targets), NaN if not finite."""
        pred = logits.detach().to("cpu", torch.float64).numpy()
        if self.loss == "poisson":
            pred = np.exp(pred)
        if not np.isfinite(pred).all():
            return np.nan
        y = data.y.detach().to("cpu", torch.float64).numpy()
        w = data.sample_weight
        w = None if w is None else w.detach().to("cpu", torch.float64).numpy()
        return float(r2_score(y, pred.reshape(y.shape), sample_weight=w))

    def _encode_targets(
        self, y, classes, sample_weight, first_pass, incremental, dtype
    ):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                f"loss='poisson' requires non-negative y; got a minimum of {np.min(y)}."
            )
        target = np.asarray(y, dtype=dtype)
        target = target.reshape(len(target), -1)
        n_outputs = target.shape[1]
        if not first_pass and "n_outputs_" in vars(self):
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} targets, the fitted model {self.n_outputs_}."
                )
        return target, n_outputs, None
