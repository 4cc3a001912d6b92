"""The shared base of sklreg's MLP estimators (:class:`_BaseMLP`).

Everything that does not depend on the task lives here: the torch module and
the skorch net, the tensors (or per-batch densified sparse rows), the epoch
loop with scikit-learn's stopping rules and learning-rate schedules, the
L-BFGS solver, progress reporting, devices and the penalties.  The
classifier and the regressor provide a few hooks:

``_encode_targets``
    validate ``y`` and return the criterion's target array, the number of
    outputs and the labels to stratify the early-stopping split on;
``_make_criterion`` / ``_out_activation``
    the per-sample loss of the output logits, and scikit-learn's name of the
    output activation;
``_validation_score``
    the early-stopping score (accuracy, R²) of the logits of the held-out
    rows.

Prediction (``predict``, ``predict_proba``) is the subclasses' own, on the
logits returned by :meth:`_BaseMLP._logits`.
"""

import warnings
from itertools import pairwise
from numbers import Integral

import numpy as np
import scipy.optimize
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from threadpoolctl import threadpool_limits

from sklreg._progress import CallbackSupportMixin, FitProgress
from sklreg._validation import (
    Interval,
    Options,
    Real,
    StrOptions,
    _check_sample_weight,
    check_is_fitted,
    fit_transaction,
    validate_data,
)
from sklreg.neural_network._module import MLPModule
from sklreg.neural_network._net import RegularizedNet, TensorData

# rows per chunk when a full-batch (L-BFGS) pass densifies a sparse X
_SPARSE_CHUNK = 4096


def _as_tensor(array, dtype, device):
    """A tensor of ``array`` on ``device``, never sharing a read-only buffer."""
    array = np.require(array, dtype=dtype, requirements=["C", "W"])
    return torch.from_numpy(array).to(device)


def _as_input(X, dtype, device):
    """X as the net reads it: a tensor on ``device``, or a CSR matrix on the host."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=dtype)
    return _as_tensor(X, dtype, device)


class _LearningRate:
    """scikit-learn's learning-rate bookkeeping (its optimizers' ``learning_rate``).

    Exposed as ``_optimizer`` (as scikit-learn names it), so that code reading
    ``est._optimizer.learning_rate`` keeps working.  ``invscaling`` sets
    ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t`` the
    number of training samples seen; ``adaptive`` divides the rate by 5 each
    time ``n_iter_no_change`` epochs fail to improve by ``tol`` and stops
    once it is below 1e-6.  Both apply to SGD only, as in scikit-learn.
    """

    def __init__(self, solver, learning_rate_init, schedule, power_t):
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = schedule if solver == "sgd" else "constant"
        self.power_t = power_t

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False


def _set_learning_rate(optimizer, lr):
    """Set the rate of a torch optimizer, as scikit-learn's SGD would change it.

    scikit-learn's velocity holds ``-lr * buffer`` of torch's SGD: when the rate
    changes from ``old`` to ``lr``, torch's momentum buffers are rescaled by
    ``old / lr`` so that the next updates are scikit-learn's.
    """
    for group in optimizer.param_groups:
        old = group["lr"]
        if old == lr:
            continue
        if isinstance(optimizer, torch.optim.SGD) and lr > 0:
            for p in group["params"]:
                buf = optimizer.state.get(p, {}).get("momentum_buffer")
                if buf is not None:
                    buf.mul_(old / lr)
        group["lr"] = lr


class _BaseMLP(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor`.

    Not an estimator on its own: the subclasses define the hooks listed in
    the module docstring and the public ``predict`` methods.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "dropout_p": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
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
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Only CPU training is bit-for-bit reproducible (CUDA kernels use
        # non-deterministic atomics).
        tags.non_deterministic = self.device != "cpu"
        return tags

    def __sklearn_is_fitted__(self):
        return "net_" in vars(self)

    # ------------------------------------------------------------ public API
    def _check_solver(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _partial_fit(self, X, y, sample_weight, classes=None):
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        with fit_transaction(self):
            return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ---------------------------------------------------- fitted attributes
    def _fitted_linears(self):
        if "net_" not in vars(self):
            raise AttributeError(
                f"This {type(self).__name__} is not fitted yet: no coefs_."
            )
        return self.net_.module_.linears()

    def _get_params_list(self, name, pending):
        if pending in vars(self):
            return vars(self)[pending]
        linears = self._fitted_linears()
        if name == "coef":
            return [lin.weight.detach().to("cpu").numpy().T.copy() for lin in linears]
        return [lin.bias.detach().to("cpu").numpy().copy() for lin in linears]

    def _set_params_list(self, name, pending, values):
        if "net_" not in vars(self):
            # before any fit (scikit-learn's tests set the weights by hand):
            # kept as given, and loaded into the net the next fit builds
            vars(self)[pending] = values
            return
        linears = self.net_.module_.linears()
        if len(values) != len(linears):
            raise ValueError(
                f"{name}s_ needs {len(linears)} arrays, one per layer; "
                f"got {len(values)}."
            )
        pairs = []
        for lin, value in zip(linears, values, strict=True):
            target = lin.weight if name == "coef" else lin.bias
            value = np.asarray(value)
            value = value.T if name == "coef" else value.reshape(-1)
            if value.shape != tuple(target.shape):
                raise ValueError(
                    f"{name}s_ arrays must keep the fitted shapes; got "
                    f"{value.shape[::-1] if name == 'coef' else value.shape}."
                )
            pairs.append((target, value))
        with torch.no_grad():  # all checked first: a bad list changes nothing
            for target, value in pairs:
                target.copy_(torch.as_tensor(value, dtype=target.dtype))

    @property
    def coefs_(self):
        """Weights: ``coefs_[i]`` of shape ``(fan_in, fan_out)`` (a copy)."""
        return self._get_params_list("coef", "_pending_coefs")

    @coefs_.setter
    def coefs_(self, values):
        self._set_params_list("coef", "_pending_coefs", values)

    @property
    def intercepts_(self):
        """Biases: ``intercepts_[i]`` of shape ``(fan_out,)`` (a copy)."""
        return self._get_params_list("intercept", "_pending_intercepts")

    @intercepts_.setter
    def intercepts_(self, values):
        self._set_params_list("intercept", "_pending_intercepts", values)

    # -------------------------------------------------------------- internals
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if not all(
            isinstance(s, Integral | np.integer) and not isinstance(s, bool)
            for s in sizes
        ):
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

    def _pending_init(self, layer_units, dtype):
        """Weights assigned to ``coefs_``/``intercepts_`` before any fit."""
        coefs = vars(self).pop("_pending_coefs", None)
        intercepts = vars(self).pop("_pending_intercepts", None)
        if coefs is None or intercepts is None:
            return None
        init = []
        for (fan_in, fan_out), coef, intercept in zip(
            pairwise(layer_units), coefs, intercepts, strict=True
        ):
            coef = np.asarray(coef, dtype=dtype).reshape(fan_in, fan_out)
            intercept = np.asarray(intercept, dtype=dtype).reshape(fan_out)
            init.append((coef, intercept))
        return init

    def _build_net(self, n_features, hidden, n_outputs, dtype, device, rng):
        if self.solver == "sgd":
            optimizer = torch.optim.SGD
            optimizer_params = {
                "optimizer__momentum": self.momentum,
                "optimizer__nesterov": bool(
                    self.nesterovs_momentum and self.momentum > 0
                ),
            }
        else:  # adam, and lbfgs (which steps itself and never uses it)
            optimizer = torch.optim.Adam
            optimizer_params = {
                "optimizer__betas": (self.beta_1, self.beta_2),
                "optimizer__eps": self.epsilon,
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
            criterion=self._make_criterion(),
            predict_nonlinearity=self._predict_nonlinearity(),
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
        has_weights = "net_" in vars(self) or (
            "_pending_coefs" in vars(self) and "_pending_intercepts" in vars(self)
        )
        first_pass = not has_weights or (not self.warm_start and not incremental)
        if self.solver == "lbfgs" and self.dropout_p > 0:
            raise ValueError(
                "solver='lbfgs' needs a deterministic objective, but dropout_p="
                f"{self.dropout_p} draws random masks; use solver='adam' or "
                "'sgd' with dropout, or dropout_p=0 with 'lbfgs'."
            )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=not self._is_classifier_task(),
            reset=first_pass,
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        target, n_outputs, stratify = self._encode_targets(
            y, classes, sample_weight, first_pass, incremental, X.dtype
        )
        if sample_weight is not None and np.all(sample_weight == 1):
            sample_weight = None  # the same model, without the weighting ops

        n_samples, n_features = X.shape
        layer_units = [n_features, *hidden, n_outputs]
        torch_dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        continuing = incremental and not first_pass and "net_" in vars(self)
        init = None
        if continuing:
            net = self.net_
            device = str(net.device)
            rng = self._rng
        else:
            device = self._resolve_device()
            rng = check_random_state(self.random_state)
            if first_pass:
                vars(self).pop("_pending_coefs", None)
                vars(self).pop("_pending_intercepts", None)
                init = self._glorot_init(rng, layer_units, X.dtype)
            else:
                init = self._pending_init(layer_units, X.dtype)

        Xt = _as_input(X, X.dtype, device)
        yt = _as_tensor(target, target.dtype, device)
        wt = (
            None
            if sample_weight is None
            else _as_tensor(sample_weight, X.dtype, device)
        )
        data = TensorData(Xt, yt, wt, device=torch.device(device))

        stochastic = self.solver != "lbfgs"
        early_stopping = self.early_stopping and not incremental and stochastic
        train, valid = data, None
        if early_stopping:
            train_idx, valid_idx = train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=rng,
                stratify=stratify,
            )
            if len(valid_idx) < 2:
                raise ValueError(
                    "The validation set is too small. Increase "
                    "'validation_fraction' or the size of your dataset."
                )
            train, valid = data.subset(train_idx), data.subset(valid_idx)
        n_train = len(train)
        if self.batch_size == "auto":
            batch_size = min(200, n_train)
        else:
            if self.batch_size > n_train and stochastic:
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
                if init is not None:
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
            if stochastic:
                result = self._train(
                    net, train, valid, early_stopping, incremental, first_pass
                )
            else:
                result = self._fit_lbfgs(net, train, first_pass)
            torch_rng_state = self._get_torch_rng_state(torch_device)

        if not all(bool(torch.isfinite(p).all()) for p in net.module_.parameters()):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        self.net_ = net
        self._rng = rng
        self._torch_rng_state = torch_rng_state
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation(n_outputs)
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
        """The epoch loop with scikit-learn's stopping rules and schedules."""
        attrs = vars(self)
        if first_pass:
            loss_curve, best_loss, t = [], np.inf, 0
            scores, best_score = [], -np.inf
        else:
            loss_curve = list(attrs.get("loss_curve_") or [])
            t = attrs.get("t_", 0)
            best_loss = attrs.get("best_loss_")
            best_loss = np.inf if best_loss is None else best_loss
            scores = list(attrs.get("validation_scores_") or [])
            best_score = attrs.get("best_validation_score_")
            best_score = -np.inf if best_score is None else best_score
        no_improvement = (
            attrs.get("_no_improvement_count", 0)
            if incremental and not first_pass
            else 0
        )
        # scikit-learn keeps its optimizer (and its rate) across partial_fit
        # calls and makes a new one for each fit
        schedule = attrs.get("_optimizer")
        if not incremental or not isinstance(schedule, _LearningRate):
            schedule = _LearningRate(
                self.solver, self.learning_rate_init, self.learning_rate, self.power_t
            )
        _set_learning_rate(net.optimizer_, schedule.learning_rate)
        best_state = None
        if early_stopping:
            best_state = {k: v.clone() for k, v in net.module_.state_dict().items()}

        verbose = bool(self.verbose)
        progress = FitProgress(
            self, total=1 if incremental else self.max_iter, desc="epochs"
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
                    if verbose:
                        print(f"Iteration {n_iter}, loss = {loss:.8f}")
                    postfix = {"loss": loss}
                    if early_stopping:
                        score = self._validation_score(net.logits(valid), valid)
                        net.history.record("valid_score", score)
                        scores.append(score)
                        postfix["valid_score"] = score
                        if verbose:
                            print(f"Validation score: {score:f}")
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
                    schedule.iteration_ends(t)
                    net.end_epoch(train, valid)
                    progress.step(**postfix)
                    if no_improvement > self.n_iter_no_change:
                        if early_stopping:
                            msg = (
                                "Validation score did not improve more than "
                                f"tol={self.tol:f} for "
                                f"{int(self.n_iter_no_change)} consecutive epochs."
                            )
                        else:
                            msg = (
                                "Training loss did not improve more than "
                                f"tol={self.tol:f} for "
                                f"{int(self.n_iter_no_change)} consecutive epochs."
                            )
                        if schedule.trigger_stopping(msg, verbose):
                            break
                        no_improvement = 0
                    _set_learning_rate(net.optimizer_, schedule.learning_rate)
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
            "_optimizer": schedule,
        }

    # ---------------------------------------------------------------- L-BFGS
    def _fit_lbfgs(self, net, data, first_pass):
        """Full-batch L-BFGS-B (scipy) on the flattened parameters.

        As scikit-learn: ``maxiter=max_iter``, ``maxfun=max_fun``,
        ``gtol=tol``, and its ConvergenceWarning when scipy stops short.  With
        an L1 part each penalized weight is split as ``w = u - v`` with
        ``u, v >= 0`` (bounds of L-BFGS-B), which makes the objective smooth
        and gives exact zeros.
        """
        module = net.module_
        params = [p for p in module.parameters() if p.requires_grad]
        penalized = {id(W) for W in module.penalized_weights()}
        l2 = float(self.alpha) * (1.0 - float(self.l1_ratio))
        l1 = float(self.alpha) * float(self.l1_ratio)
        split = [l1 > 0 and id(p) in penalized for p in params]
        sizes = [p.numel() for p in params]
        criterion = net.criterion_
        X, y, w = data.X, data.y, data.sample_weight
        n = len(data)
        total = float(n if w is None else w.sum())
        inv_total = 1.0 / total if total > 0 else 0.0
        if sp.issparse(X) and not self.batch_norm:
            chunks = [
                (slice(s, min(s + _SPARSE_CHUNK, n)))
                for s in range(0, n, _SPARSE_CHUNK)
            ]
        else:
            chunks = [slice(0, n)]

        def rows(sl):
            if sp.issparse(X):
                return torch.from_numpy(X[sl].toarray()).to(data.device)
            return X if sl == slice(0, n) else X[sl]

        def unpack(theta):
            out, pos = [], 0
            for size, s in zip(sizes, split, strict=True):
                if s:
                    u, v = theta[pos : pos + size], theta[pos + size : pos + 2 * size]
                    value, pos = u - v, pos + 2 * size
                else:
                    value, pos = theta[pos : pos + size], pos + size
                out.append(value)
            return out

        def fun(theta):
            with torch.no_grad():
                for p, value in zip(params, unpack(theta), strict=True):
                    p.copy_(torch.from_numpy(value).view_as(p))
                    p.grad = None
            module.train()
            value = 0.0
            for k, sl in enumerate(chunks):
                per_sample = criterion(module(rows(sl)), y[sl]).reshape(-1)
                part = per_sample.sum() if w is None else per_sample @ w[sl]
                part = part * inv_total
                if l2 > 0 and k == 0:  # one backward pass for both terms
                    squares = sum(W.pow(2).sum() for W in module.penalized_weights())
                    part = part + (0.5 * l2 * inv_total) * squares
                part.backward()
                value += float(part.detach())
            grads, pos = [], 0
            for p, size, s in zip(params, sizes, split, strict=True):
                g = (
                    np.zeros(size)
                    if p.grad is None
                    else p.grad.detach().to("cpu", torch.float64).numpy().ravel()
                )
                if s:
                    u = theta[pos : pos + size]
                    v = theta[pos + size : pos + 2 * size]
                    value += l1 * inv_total * float(u.sum() + v.sum())
                    grads += [g + l1 * inv_total, -g + l1 * inv_total]
                    pos += 2 * size
                else:
                    grads.append(g)
                    pos += size
            return value, np.concatenate(grads)

        x0, bounds = [], []
        for p, s in zip(params, split, strict=True):
            flat = p.detach().to("cpu", torch.float64).numpy().ravel()
            if s:
                x0 += [np.maximum(flat, 0), np.maximum(-flat, 0)]
                bounds += [(0, None)] * (2 * flat.size)
            else:
                x0.append(flat)
                bounds += [(None, None)] * flat.size
        loss_curve = [] if first_pass else list(vars(self).get("loss_curve_") or [])
        verbose = bool(self.verbose)
        progress = FitProgress(self, total=self.max_iter, desc="iterations")

        def callback(intermediate_result):
            loss_curve.append(float(intermediate_result.fun))
            if verbose:
                print(f"Iteration {len(loss_curve)}, loss = {loss_curve[-1]:.8f}")
            progress.step(loss=loss_curve[-1])

        # scipy's L-BFGS-B works on vectors of n_params: threaded BLAS only
        # contends there with torch's OpenMP pool (measured: 15 s instead of
        # 0.5 s for 300 iterations of a small network on a busy machine)
        with progress, threadpool_limits(limits=1, user_api="blas"):
            res = scipy.optimize.minimize(
                fun,
                np.concatenate(x0),
                method="L-BFGS-B",
                jac=True,
                bounds=bounds if any(split) else None,
                callback=callback,
                options={
                    "maxfun": self.max_fun,
                    "maxiter": self.max_iter,
                    "gtol": self.tol,
                },
            )
        n_iter = min(res.nit, self.max_iter)
        if res.status != 0:
            msg = (
                f"lbfgs failed to converge after {n_iter} iteration(s) "
                f"(status={res.status}):\n{res.message}\n"
            )
            if n_iter == self.max_iter:
                msg += (
                    "\nIncrease the number of iterations to improve the "
                    f"convergence (max_iter={self.max_iter})."
                )
            warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        with torch.no_grad():
            for p, value in zip(params, unpack(res.x), strict=True):
                p.copy_(torch.from_numpy(value).view_as(p))
                p.grad = None
            # batch-norm running statistics: those of the whole training set
            # at the solution (momentum 1 for one pass), not of the last trial
            bns = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm1d)]
            if bns:
                saved = [bn.momentum for bn in bns]
                for bn in bns:
                    bn.momentum = 1.0
                module.train()
                module(rows(slice(0, n)))
                for bn, momentum in zip(bns, saved, strict=True):
                    bn.momentum = momentum
        module.eval()
        return {
            "n_iter_": n_iter,
            "t_": vars(self).get("t_", 0) if not first_pass else 0,
            "loss_": float(res.fun),
            "loss_curve_": loss_curve,
            "best_loss_": min(loss_curve) if loss_curve else float(res.fun),
            "validation_scores_": None,
            "best_validation_score_": None,
            "_no_improvement_count": 0,
        }

    # ------------------------------------------------------------ prediction
    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        param = next(self.net_.module_.parameters())
        np_dtype = np.float64 if param.dtype == torch.float64 else np.float32
        Xt = _as_input(X, np_dtype, param.device)
        logits = self.net_.logits(TensorData(Xt, device=param.device))
        return logits.detach().to("cpu").numpy()

    # ---------------------------------------------------------------- hooks
    def _is_classifier_task(self):
        return False

    def _encode_targets(
        self, y, classes, sample_weight, first_pass, incremental, dtype
    ):
        raise NotImplementedError

    def _make_criterion(self):
        raise NotImplementedError

    def _predict_nonlinearity(self):
        raise NotImplementedError

    def _out_activation(self, n_outputs):
        raise NotImplementedError

    def _validation_score(self, logits, data):
        raise NotImplementedError


__all__ = ["_BaseMLP", "available_if"]
