"""MLPClassifier: scikit-learn's MLP with L1/L2, dropout and batch norm, on skorch."""

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from torch import nn

from sklreg._validation import _fit_context, fit_transaction
from sklreg.neural_network._base import _BaseMLP, available_if
from sklreg.neural_network._net import LogLoss, logits_to_proba


class MLPClassifier(ClassifierMixin, _BaseMLP):
    r"""Multi-layer perceptron classifier with elastic-net, dropout and batch norm.

    The model and its training follow :class:`sklearn.neural_network.MLPClassifier`
    (same parameter names, defaults, initialization, mini-batch order and
    stopping rules) and add four regularization hyperparameters: ``l1_ratio``,
    ``dropout_p``, ``batch_norm`` and ``device``.  The network is a torch
    module trained by a skorch net built in :meth:`fit` and exposed as
    ``net_``; each hidden layer is
    ``Linear -> [BatchNorm1d] -> activation -> [Dropout]``.

    Each mini-batch :math:`B` with sample weights :math:`s_i` minimizes

    .. math::

        \frac{1}{\sum_{i \in B} s_i} \Big( \sum_{i \in B} s_i\,
        \ell(y_i, f(x_i)) + \alpha \sum_{W} \big( \rho \lVert W \rVert_1
        + \tfrac{1 - \rho}{2} \lVert W \rVert_2^2 \big) \Big)

    where :math:`\ell` is the log loss (summed over the outputs: one logistic
    output for a binary problem, one per label for a multilabel indicator
    ``y``, one softmax over the classes otherwise), :math:`W` runs over the weight
    matrices (not the biases, nor batch-norm scales) and :math:`\rho` is
    ``l1_ratio``.  With ``l1_ratio=0`` this is exactly scikit-learn's
    objective.  The L1 part is applied as a proximal (soft-thresholding) step
    after each optimizer step, so weights reach exact zeros; with Adam the
    threshold :math:`\eta \alpha \rho / \sum s_i` is divided by Adam's
    second-moment scale :math:`\sqrt{\hat v} + \epsilon` (the proximal step
    in Adam's metric).

    Parameters
    ----------
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
        Hold out a ``validation_fraction`` of the training data (stratified
        for binary and multiclass ``y``, not for multilabel ``y``),
        stop when its accuracy has not improved by ``tol`` for
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
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for a multilabel ``y``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X has string column names.
    n_iter_ : int
        Epochs run by the last call.
    t_ : int
        Training samples seen over all calls.
    loss_ : float
        Loss (penalty included) of the last epoch.
    loss_curve_ : list of float
        Loss of each epoch (sample-weighted mean over its batches).
    validation_scores_ : list of float or None
        Validation accuracy (subset accuracy for multilabel ``y``) of each
        epoch when ``early_stopping``, else None.
    best_validation_score_ : float or None
        Best validation accuracy when ``early_stopping``, else None.
    best_loss_ : float or None
        Lowest epoch loss when not ``early_stopping``, else None.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(fan_in, fan_out)``: the weights of layer i.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` has shape ``(fan_out,)``.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        1 for a binary problem (one logistic output), else ``n_classes``
        (or the number of labels).
    out_activation_ : {"logistic", "softmax"}
        Output activation (logistic for binary and multilabel ``y``).
    net_ : RegularizedNet
        The fitted skorch net (``net_.module_`` is the torch module).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The numpy MLP this one mirrors.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklreg import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), alpha=0.1, l1_ratio=0.5,
    ...                     dropout_p=0.1, batch_norm=True,
    ...                     learning_rate_init=0.01, random_state=0)
    >>> model = make_pipeline(StandardScaler(), clf).fit(X, y)
    >>> model.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {**_BaseMLP._parameter_constraints}

    def __init__(
        self,
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
    ) -> "MLPClassifier":
        """Fit the model to data matrix X and labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data trains a float32 network, anything
            else a float64 one.  Sparse X (CSR, CSC) is densified one batch at
            a time.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (strings, any integers...), or a multilabel
            indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> "MLPClassifier":
        """Train for one epoch over the given data (solvers sgd and adam).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels, taken from ``classes_`` (an indicator matrix
            for a multilabel fit).
        """
        logits = self._logits(X)
        if self._multilabel:
            return (logits > 0).astype(int)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, len(logits))
        if logits.shape[1] == 1:
            index = (logits[:, 0] > 0).astype(np.intp)
        else:
            index = logits.argmax(axis=1)
        return self.classes_[index]

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), float64
            ``log(predict_proba(X))``, computed stably from the logits.
        """
        logits = torch.from_numpy(self._logits(X).astype(np.float64))
        if self._multilabel:
            # log of the probabilities themselves, as scikit-learn: near 1 the
            # rounded probabilities tie, and so must their logs
            with np.errstate(divide="ignore"):
                return np.log(torch.sigmoid(logits).numpy())
        if len(self.classes_) == 1:
            return np.zeros((len(logits), 1))
        if logits.shape[1] == 1:
            z = logits[:, 0]
            log_proba = torch.stack(
                [nn.functional.logsigmoid(-z), nn.functional.logsigmoid(z)], 1
            )
        else:
            log_proba = torch.log_softmax(logits, dim=1)
        return log_proba.numpy()

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Probability of each class in the order of ``classes_``; rows sum
            to 1, except for a multilabel fit (one independent probability
            per label).
        """
        return np.exp(self.predict_log_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ----------------------------------------------------------------- hooks
    def _is_classifier_task(self):
        return True

    @property
    def _multilabel(self):
        return bool(vars(self).get("_is_multilabel", False))

    def _make_criterion(self):
        return LogLoss

    def _predict_nonlinearity(self):
        return torch.sigmoid if self._multilabel else logits_to_proba

    def _out_activation(self, n_outputs):
        return "logistic" if n_outputs == 1 or self._multilabel else "softmax"

    def _validation_score(self, logits, data):
        """Sample-weighted accuracy (subset accuracy when multilabel)."""
        if self._multilabel:
            hit = ((logits > 0) == (data.y > 0.5)).all(dim=1)
        elif logits.shape[1] == 1:
            hit = (logits[:, 0] > 0) == (data.y[:, 0] > 0.5)
        else:
            hit = logits.argmax(dim=1) == data.y
        w = data.sample_weight
        if w is None:
            return float(hit.double().mean())
        return float(hit.to(w.dtype) @ w / w.sum())

    def _encode_targets(
        self, y, classes, sample_weight, first_pass, incremental, dtype
    ):
        """Set ``classes_`` when needed; the targets of the log loss.

        Returns the criterion's targets (class indices, a float column for a
        binary problem, the float indicator matrix for multilabel ``y``), the
        number of outputs and the labels the early-stopping split stratifies
        on (None for multilabel ``y``, as scikit-learn).
        """
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        defined = "classes_" in vars(self)
        if not defined or (not self.warm_start and not incremental):
            if multilabel:
                classes_ = np.arange(y.shape[1])
                if incremental and classes is not None:
                    if not np.array_equal(unique_labels(classes), classes_):
                        raise ValueError(
                            f"classes={classes} must be the label indices "
                            f"{classes_} of a multilabel y."
                        )
            else:
                classes_ = self._new_classes(y, classes, sample_weight, incremental)
            self.classes_ = classes_
            self._is_multilabel = multilabel
        else:
            if multilabel != self._multilabel or (
                multilabel and y.shape[1] != len(self.classes_)
            ):
                raise ValueError(
                    "y must have the same form as in the previous call: "
                    f"{'multilabel' if self._multilabel else 'single label'} "
                    f"with classes {self.classes_}."
                )
            if not multilabel:
                self._check_same_classes(y, classes, incremental)
        if multilabel:
            target = np.asarray(y, dtype=dtype)
            return target, target.shape[1], None
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) <= 2:
            # scikit-learn stratifies on its binarized (boolean) column
            return index.reshape(-1, 1).astype(dtype), 1, index.reshape(-1, 1) == 1
        return index.astype(np.int64), len(self.classes_), index

    def _new_classes(self, y, classes, sample_weight, incremental):
        y_labels = unique_labels(y)
        if incremental:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            classes_ = unique_labels(classes)
            unknown = np.setdiff1d(y_labels, classes_)
            if len(unknown):
                raise ValueError(
                    f"`y` has classes {unknown} not in `classes`={classes_}."
                )
        else:
            classes_ = y_labels
            if sample_weight is not None:
                y_labels = unique_labels(y[sample_weight > 0])
        # A single class is fitted as scikit-learn does (one logistic output
        # with all-negative targets) and always predicted.
        if not incremental and len(classes_) >= 2 and len(y_labels) < 2:
            raise ValueError(
                "MLPClassifier needs samples of at least 2 classes with "
                "positive sample weight, but the data contains only "
                f"{len(y_labels)} such class: {list(y_labels)}."
            )
        return classes_

    def _check_same_classes(self, y, classes, incremental):
        y_labels = unique_labels(y)
        if incremental:
            if classes is not None and not np.array_equal(
                unique_labels(classes), self.classes_
            ):
                raise ValueError(
                    f"classes={classes} differs from the classes of the first "
                    f"call to partial_fit: {self.classes_}."
                )
            unknown = np.setdiff1d(y_labels, self.classes_)
            if len(unknown):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. `self.classes_` "
                    f"has {self.classes_}. 'y' has {y_labels}."
                )
        elif set(y_labels) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got {self.classes_}, "
                f"`y` has {y_labels}"
            )
