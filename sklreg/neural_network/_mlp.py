"""MLPClassifier: scikit-learn's MLP with L1/L2, dropout and batch norm, on skorch."""

import warnings
from itertools import pairwise
from numbers import Integral

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from torch import nn

from sklreg._progress import CallbackSupportMixin, FitProgress
from sklreg._validation import (
    Interval,
    Options,
    Real,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
    fit_transaction,
    validate_data,
)
from sklreg.neural_network._module import MLPModule
from sklreg.neural_network._net import (
    LogLoss,
    RegularizedNet,
    TensorData,
    logits_to_proba,
)


def _as_tensor(array, dtype, device):
    """A tensor of ``array`` on ``device``, never sharing a read-only buffer."""
    array = np.require(array, dtype=dtype, requirements=["C", "W"])
    return torch.from_numpy(array).to(device)


class MLPClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
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

    where :math:`\ell` is the log loss, :math:`W` runs over the weight
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
    solver : {"adam", "sgd"}, default="adam"
        Optimizer: ``torch.optim.Adam`` or ``torch.optim.SGD`` (with momentum).
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
    learning_rate_init : float, default=0.001
        Learning rate of the optimizer.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization, the validation split, the shuffles and the
        dropout masks.  The same integer gives the identical model; the
        global torch RNG is left as it was.
    tol : float, default=1e-4
        Required improvement of the loss (or of the validation score when
        ``early_stopping``) over ``n_iter_no_change`` epochs to keep going.
    verbose : bool, default=False
        Show a progress bar over epochs (tqdm, notebook-aware) with the loss
        and the validation score.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    momentum : float, default=0.9
        Momentum of SGD, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with SGD (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data,
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
    device : str, default="cpu"
        Torch device to train on: ``"cpu"``, ``"cuda"`` (or ``"cuda:1"``...),
        or ``"auto"`` (CUDA when available).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
        Validation accuracy of each epoch when ``early_stopping``, else None.
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
        1 for a binary problem (one logistic output), else ``n_classes``.
    out_activation_ : {"logistic", "softmax"}
        Output activation.
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

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout_p": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "device": [str],
    }

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
        learning_rate_init=0.001,
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
        self.learning_rate_init = learning_rate_init
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
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Only CPU training is bit-for-bit reproducible (CUDA kernels use
        # non-deterministic atomics).
        tags.non_deterministic = self.device != "cpu"
        return tags

    # ------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> "MLPClassifier":
        """Fit the model to data matrix X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 data trains a float32 network, anything
            else a float64 one.
        y : array-like of shape (n_samples,)
            Class labels (strings, any integers...).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> "MLPClassifier":
        """Train for one epoch over the given data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        logits = self._logits(X)
        if logits.shape[1] == 1:
            index = (logits[:, 0] > 0).astype(np.intp)
        else:
            index = logits.argmax(axis=1)
        return self.classes_[index]

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), float64
            ``log(predict_proba(X))``, computed stably from the logits.
        """
        logits = torch.from_numpy(self._logits(X))
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
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Probability of each class in the order of ``classes_``; rows sum
            to 1.
        """
        return np.exp(self.predict_log_proba(X))

    # ---------------------------------------------------- fitted attributes
    def _fitted_linears(self):
        if "net_" not in vars(self):
            raise AttributeError("This MLPClassifier is not fitted yet.")
        return self.net_.module_.linears()

    @property
    def coefs_(self):
        return [
            lin.weight.detach().to("cpu").numpy().T.copy()
            for lin in self._fitted_linears()
        ]

    @property
    def intercepts_(self):
        return [
            lin.bias.detach().to("cpu").numpy().copy() for lin in self._fitted_linears()
        ]

    # -------------------------------------------------------------- internals
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be integers, got {sizes}.")
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _resolve_device(self):
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError, ValueError) as exc:
            raise ValueError(
                f"device must be 'cpu', 'cuda', 'cuda:<index>' or 'auto'; "
                f"got {self.device!r}."
            ) from exc
        if device.type not in ("cpu", "cuda"):
            raise ValueError(
                f"device must be a CPU or CUDA device; got {self.device!r}."
            )
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} but CUDA is not available; use "
                "device='cpu' or device='auto'."
            )
        return str(device)

    def _encode_targets(self, y, classes, sample_weight, first_pass, incremental):
        """Set ``classes_`` when needed and return y as indices into it."""
        y_labels = unique_labels(y)
        if first_pass:
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
            if len(classes_) < 2:
                raise ValueError(
                    "MLPClassifier needs samples of at least 2 classes in the "
                    f"data, but the data contains only one class: {classes_[0]!r}."
                )
            if not incremental and len(y_labels) < 2:
                raise ValueError(
                    "MLPClassifier needs samples of at least 2 classes with "
                    "positive sample weight, but the data contains only "
                    f"{len(y_labels)} such class: {list(y_labels)}."
                )
            self.classes_ = classes_
        elif incremental:
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
                    f"`y` has classes {unknown} not in `classes_`={self.classes_}."
                )
        elif not np.array_equal(y_labels, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit: previously {self.classes_}, now {y_labels}."
            )
        return np.searchsorted(self.classes_, y)

    def _glorot_init(self, rng, layer_units, dtype):
        # scikit-learn's initialization, drawn in the same order.
        factor = 2.0 if self.activation == "logistic" else 6.0
        params = []
        for fan_in, fan_out in pairwise(layer_units):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = rng.uniform(-bound, bound, (fan_in, fan_out))
            intercept = rng.uniform(-bound, bound, fan_out)
            params.append((coef.astype(dtype), intercept.astype(dtype)))
        return params

    def _build_net(self, n_features, hidden, n_outputs, dtype, device, rng):
        if self.solver == "adam":
            optimizer = torch.optim.Adam
            optimizer_params = {
                "optimizer__betas": (self.beta_1, self.beta_2),
                "optimizer__eps": self.epsilon,
            }
        else:
            optimizer = torch.optim.SGD
            optimizer_params = {
                "optimizer__momentum": self.momentum,
                "optimizer__nesterov": bool(
                    self.nesterovs_momentum and self.momentum > 0
                ),
            }
        return RegularizedNet(
            module=MLPModule,
            module__n_features=n_features,
            module__hidden_layer_sizes=tuple(hidden),
            module__n_outputs=n_outputs,
            module__activation=self.activation,
            module__dropout_p=float(self.dropout_p),
            module__batch_norm=bool(self.batch_norm),
            module__dtype=dtype,
            criterion=LogLoss,
            predict_nonlinearity=logits_to_proba,
            optimizer=optimizer,
            lr=self.learning_rate_init,
            max_epochs=self.max_iter,
            batch_size=1,
            train_split=None,
            callbacks=[],
            verbose=0,
            device=device,
            alpha=float(self.alpha),
            l1_ratio=float(self.l1_ratio),
            shuffle=bool(self.shuffle),
            random_state=rng,
            **optimizer_params,
        )

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        hidden = self._hidden_sizes()
        first_pass = "net_" not in vars(self) or (
            not self.warm_start and not incremental
        )
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), reset=first_pass
        )
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        y_index = self._encode_targets(
            y, classes, sample_weight, first_pass, incremental
        )
        if sample_weight is not None and np.all(sample_weight == 1):
            sample_weight = None  # the same model, without the weighting ops

        n_samples, n_features = X.shape
        n_outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        layer_units = [n_features, *hidden, n_outputs]
        torch_dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        continuing = incremental and not first_pass
        if continuing:
            net = self.net_
            device = str(net.device)
            rng = self._rng
        else:
            device = self._resolve_device()
            rng = check_random_state(self.random_state)
            init = self._glorot_init(rng, layer_units, X.dtype) if first_pass else None

        # Tensors on the device: X, the target in the criterion's form, weights.
        Xt = _as_tensor(X, X.dtype, device)
        if n_outputs == 1:
            yt = _as_tensor(y_index.reshape(-1, 1), X.dtype, device)
        else:
            yt = _as_tensor(y_index, np.int64, device)
        wt = (
            None
            if sample_weight is None
            else _as_tensor(sample_weight, X.dtype, device)
        )
        data = TensorData(Xt, yt, wt)

        early_stopping = self.early_stopping and not incremental
        train, valid = data, None
        if early_stopping:
            train_idx, valid_idx = train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=y_index,
            )
            if len(valid_idx) < 2:
                raise ValueError(
                    "The validation set is too small. Increase "
                    "'validation_fraction' or the size of your dataset."
                )
            train, valid = (
                TensorData(
                    *(
                        None if t is None else t[torch.from_numpy(idx).to(device)]
                        for t in (Xt, yt, wt)
                    )
                )
                for idx in (train_idx, valid_idx)
            )
        n_train = len(train)
        if self.batch_size == "auto":
            batch_size = min(200, n_train)
        else:
            if self.batch_size > n_train:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. "
                    "It is going to be clipped"
                )
            batch_size = int(np.clip(self.batch_size, 1, n_train))

        torch_device = torch.device(device)
        cuda_devices = [torch_device.index or 0] if torch_device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices):
            if continuing:
                self._set_torch_rng_state(self._torch_rng_state, torch_device)
            else:
                net = self._build_net(
                    n_features, hidden, n_outputs, torch_dtype, device, rng
                )
                net.initialize()
                if first_pass:
                    with torch.no_grad():
                        for lin, (coef, intercept) in zip(
                            net.module_.linears(), init, strict=True
                        ):
                            lin.weight.copy_(torch.from_numpy(coef.T))
                            lin.bias.copy_(torch.from_numpy(intercept))
                else:  # warm start: the previous weights, a fresh optimizer
                    try:
                        net.module_.load_state_dict(self.net_.module_.state_dict())
                    except RuntimeError as exc:
                        raise ValueError(
                            "warm_start needs the same architecture as the "
                            f"previous fit: {exc}"
                        ) from exc
                # Dropout draws from torch's RNG: seed it (inside this fork
                # only) from random_state.  Drawn only with dropout and after
                # the split, so that without dropout the initialization,
                # split and shuffles are scikit-learn's, draw for draw.
                if self.dropout_p > 0:
                    torch.manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
            net.batch_size = batch_size
            net.random_state = rng
            result = self._train(
                net, train, valid, early_stopping, incremental, first_pass
            )
            torch_rng_state = self._get_torch_rng_state(torch_device)

        self.net_ = net
        self._rng = rng
        self._torch_rng_state = torch_rng_state
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        self.out_activation_ = "logistic" if n_outputs == 1 else "softmax"
        for name, value in result.items():
            setattr(self, name, value)
        return self

    @staticmethod
    def _get_torch_rng_state(device):
        if device.type == "cuda":
            return torch.get_rng_state(), torch.cuda.get_rng_state(device)
        return torch.get_rng_state(), None

    @staticmethod
    def _set_torch_rng_state(state, device):
        torch.set_rng_state(state[0])
        if device.type == "cuda" and state[1] is not None:
            torch.cuda.set_rng_state(state[1], device)

    def _train(self, net, train, valid, early_stopping, incremental, first_pass):
        """The epoch loop with scikit-learn's stopping rules."""
        if first_pass:
            loss_curve, best_loss, t = [], np.inf, 0
            scores, best_score = [], -np.inf
        else:
            loss_curve, t = list(self.loss_curve_), self.t_
            best_loss = self.best_loss_ if self.best_loss_ is not None else np.inf
            scores = list(self.validation_scores_ or [])
            best_score = (
                self.best_validation_score_
                if self.best_validation_score_ is not None
                else -np.inf
            )
        no_improvement = (
            self._no_improvement_count if incremental and not first_pass else 0
        )
        best_state = None
        if early_stopping:
            best_state = {k: v.clone() for k, v in net.module_.state_dict().items()}

        progress = FitProgress(
            self,
            total=1 if incremental else self.max_iter,
            desc="epochs",
            verbose=self.verbose,
        )
        iterator = net.get_iterator(train, training=True)
        net.notify("on_train_begin", X=train, y=None)
        n_iter = 0
        with progress:
            try:
                for _ in range(self.max_iter):
                    loss = net.fit_epoch(iterator, train, valid)
                    n_iter += 1
                    t += len(train)
                    loss_curve.append(loss)
                    postfix = {"loss": f"{loss:.5f}"}
                    if early_stopping:
                        score = self._accuracy(net, valid)
                        net.history.record("valid_acc", score)
                        scores.append(score)
                        postfix["val_acc"] = f"{score:.4f}"
                        if score < best_score + self.tol:
                            no_improvement += 1
                        else:
                            no_improvement = 0
                        if score > best_score:
                            best_score = score
                            best_state = {
                                k: v.clone()
                                for k, v in net.module_.state_dict().items()
                            }
                    else:
                        if loss > best_loss - self.tol:
                            no_improvement += 1
                        else:
                            no_improvement = 0
                        best_loss = min(best_loss, loss)
                    net.end_epoch(train, valid)
                    progress.step(**postfix)
                    if no_improvement > self.n_iter_no_change:
                        break
                    if incremental:
                        break
                    if n_iter == self.max_iter:
                        warnings.warn(
                            "Stochastic Optimizer: Maximum iterations "
                            f"({self.max_iter}) reached and the optimization "
                            "hasn't converged yet.",
                            ConvergenceWarning,
                        )
            except KeyboardInterrupt:
                warnings.warn("Training interrupted by user.")
        net.notify("on_train_end", X=train, y=None)
        if early_stopping:
            net.module_.load_state_dict(best_state)
        return {
            "n_iter_": n_iter,
            "t_": t,
            "loss_": loss_curve[-1] if loss_curve else np.nan,
            "loss_curve_": loss_curve,
            "best_loss_": None if early_stopping else best_loss,
            "validation_scores_": scores if early_stopping else None,
            "best_validation_score_": best_score if early_stopping else None,
            "_no_improvement_count": no_improvement,
        }

    @staticmethod
    def _accuracy(net, data):
        """Sample-weighted accuracy of ``net`` on ``data`` (as accuracy_score)."""
        logits = net.logits(data)
        if logits.shape[1] == 1:
            hit = (logits[:, 0] > 0) == (data.y[:, 0] > 0.5)
        else:
            hit = logits.argmax(dim=1) == data.y
        w = data.sample_weight
        if w is None:
            return float(hit.double().mean())
        return float(hit.to(w.dtype) @ w / w.sum())

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        param = next(self.net_.module_.parameters())
        np_dtype = np.float64 if param.dtype == torch.float64 else np.float32
        Xt = _as_tensor(X, np_dtype, param.device)
        logits = self.net_.logits(TensorData(Xt))
        return logits.to("cpu", torch.float64).numpy()
