"""A skorch net with an elastic-net penalty and in-memory mini-batches.

:class:`RegularizedNet` is the engine of :class:`sklreg.MLPClassifier` and
:class:`sklreg.MLPRegressor`; it is
built inside ``fit`` and exposed as ``net_``.  Compared with a plain
``skorch.NeuralNet`` it

* adds ``alpha * ((1 - l1_ratio) / 2 * ||W||^2)`` to the loss and applies
  ``alpha * l1_ratio * ||W||_1`` as a proximal (soft-thresholding) step after
  each optimizer step, both scaled by 1 / the batch's total sample weight;
* weights the per-sample loss by sample weights;
* cuts mini-batches by slicing tensors already on the device, instead of
  collating one sample at a time through a ``DataLoader``;
* records one loss per epoch instead of one per batch (no per-batch
  ``.item()``, so no per-batch host-device synchronization).
"""

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from torch import nn
from torch.nn import functional as F
from torch.utils.data import Dataset


class LogLoss(nn.Module):
    """Per-sample log loss of logits (no reduction).

    Float targets of the logits' shape: one logistic output per column (a
    binary problem has one column, a multilabel problem one per label), the
    loss of a sample is ``sum_j softplus(z_j) - y_j z_j``.  Integer class
    indices: the categorical ``logsumexp(z) - z_y`` of a softmax output.
    Written with elementwise ops and ``logsumexp`` rather than
    ``F.cross_entropy``: on small batches those kernels are several times
    cheaper than the fused losses, whose multithreaded loops cost
    milliseconds per call on a busy CPU.
    """

    def forward(self, logits, y):
        if y.is_floating_point():
            if logits.shape[1] == 1:
                z = logits[:, 0]
                return F.softplus(z, threshold=40.0) - y.reshape(-1) * z
            return (F.softplus(logits, threshold=40.0) - y * logits).sum(1)
        picked = logits.gather(1, y.reshape(-1, 1))[:, 0]
        return logits.logsumexp(1) - picked


class SquaredLoss(nn.Module):
    """Per-sample half squared error ``sum_j (z_j - y_j)^2 / 2`` (identity output)."""

    def forward(self, z, y):
        diff = z - y.reshape(z.shape)
        return 0.5 * (diff * diff).sum(1)


class PoissonLoss(nn.Module):
    """Per-sample half Poisson deviance of a log-link output ``mu = exp(z)``.

    ``sum_j exp(z_j) - y_j z_j + y_j log(y_j) - y_j``: the deviance of
    scikit-learn's ``poisson_loss``, zero at a perfect prediction.
    """

    def forward(self, z, y):
        y = y.reshape(z.shape)
        return (torch.exp(z) - y * z + torch.xlogy(y, y) - y).sum(1)


def logits_to_proba(logits):
    """``predict_nonlinearity`` of the net: probabilities from logits."""
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits)
        return torch.cat([1 - p, p], dim=1)
    return torch.softmax(logits, dim=1)


class TensorData(Dataset):
    """Inputs, targets and sample weights held as tensors on one device.

    Parameters
    ----------
    X : torch.Tensor or scipy.sparse CSR matrix of shape (n_samples, n_features)
        A sparse X stays on the host; batches are densified one at a time.
    y : torch.Tensor of shape (n_samples,) or (n_samples, n_outputs), default=None
        Class indices (int64), or float targets (logistic outputs, regression).
    sample_weight : torch.Tensor of shape (n_samples,), default=None
        Non-negative weights; None means unit weights (and skips the
        weighting arithmetic).
    """

    def __init__(self, X, y=None, sample_weight=None, device=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        # where batches of a (host-side, scipy) sparse X are sent
        self.device = X.device if device is None else device

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        w = None if self.sample_weight is None else self.sample_weight[i]
        return self.X[i], (self.y[i], w)

    def subset(self, index):
        """The rows ``index`` (a numpy integer array), on the same device."""
        rows = torch.from_numpy(index).to(self.device)
        X = self.X[index] if sp.issparse(self.X) else self.X[rows]
        y = None if self.y is None else self.y[rows]
        w = None if self.sample_weight is None else self.sample_weight[rows]
        return TensorData(X, y, w, device=self.device)


class TensorBatches:
    """Mini-batches sliced from a :class:`TensorData`, reshuffled each pass.

    The order follows scikit-learn's MLP exactly: the index permutation is
    carried from epoch to epoch and re-permuted with
    ``rng.shuffle(np.arange(n))``, so the same ``RandomState`` gives the same
    batches as ``sklearn.neural_network.MLPClassifier``.

    Parameters
    ----------
    data : TensorData
    batch_size : int
    rng : numpy.random.RandomState or None
        Shuffle with it before each pass; keep the order when None.
    merge_singleton : bool, default=False
        Fold a trailing batch of one sample into the previous batch (batch
        statistics of one row are meaningless).
    """

    def __init__(self, data, batch_size, rng=None, merge_singleton=False):
        self.data = data
        self.batch_size = int(batch_size)
        self.rng = rng
        self.merge_singleton = merge_singleton
        self._order = np.arange(len(data))

    def _bounds(self):
        n, bs = len(self.data), self.batch_size
        starts = list(range(0, n, bs))
        if self.merge_singleton and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        ends = [*starts[1:], n]
        return zip(starts, ends, strict=True)

    def __len__(self):
        return len(list(self._bounds()))

    def __iter__(self):
        data = self.data
        X, y, w = data.X, data.y, data.sample_weight
        index = None
        if self.rng is not None:
            perm = np.arange(len(data))
            self.rng.shuffle(perm)
            self._order = self._order[perm]
        if sp.issparse(X):
            # sparse X stays on the host; each batch is densified on its own
            device = data.device
            for start, end in self._bounds():
                rows = self._order[start:end] if self.rng is not None else None
                if rows is None:
                    Xb, sl = X[start:end], slice(start, end)
                else:
                    Xb, sl = X[rows], torch.from_numpy(rows).to(device)
                Xb = torch.from_numpy(Xb.toarray()).to(device)
                wb = None if w is None else w[sl]
                yield Xb, (None if y is None else (y[sl], wb))
            return
        if self.rng is not None:
            index = torch.from_numpy(self._order).to(X.device, non_blocking=True)
        for start, end in self._bounds():
            if index is None:
                Xb = X[start:end]
                wb = None if w is None else w[start:end]
                yb = None if y is None else (y[start:end], wb)
            else:
                rows = index[start:end]
                Xb = X.index_select(0, rows)
                wb = None if w is None else w.index_select(0, rows)
                yb = None if y is None else (y.index_select(0, rows), wb)
            yield Xb, yb


class RegularizedNet(NeuralNet):
    """skorch ``NeuralNet`` with an elastic-net penalty and tensor batching.

    The loss of a batch ``B`` with sample weights ``s`` is::

        (sum_i s_i * loss_i + alpha * (l1_ratio * ||W||_1
                                       + (1 - l1_ratio) / 2 * ||W||_2^2)) / sum_i s_i

    over the weight matrices ``W`` of the ``Linear`` layers (no biases).  The
    smooth part is differentiated; the L1 part is applied after the optimizer
    step by soft-thresholding, in the optimizer's metric for Adam (threshold
    ``lr * lambda / (sqrt(v_hat) + eps)``, as proximal Adam methods do), so
    weights reach exact zeros.  The reported loss includes the L1 part.

    Parameters
    ----------
    module, criterion : as for ``skorch.NeuralNet``
        ``criterion`` returns per-sample losses (:class:`LogLoss`).
    alpha : float, default=0.0
        Penalty strength.
    l1_ratio : float, default=0.0
        Share of the L1 part in the penalty.
    shuffle : bool, default=True
        Reshuffle the training data before each epoch.
    random_state : numpy.random.RandomState, default=None
        Generator for the shuffles (shared with the caller).
    **kwargs
        Passed to ``skorch.NeuralNet``.
    """

    def __init__(
        self,
        module,
        criterion,
        *args,
        alpha=0.0,
        l1_ratio=0.0,
        shuffle=True,
        random_state=None,
        **kwargs,
    ):
        super().__init__(module, criterion, *args, **kwargs)
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.shuffle = shuffle
        self.random_state = random_state

    @property
    def _default_callbacks(self):
        # No epoch timer, printing or per-batch scoring: the estimator
        # records what scikit-learn's MLP records and shows its own progress.
        return []

    # ------------------------------------------------------------------ data
    def get_dataset(self, X, y=None):
        if isinstance(X, TensorData):
            return X
        module_param = next(self.module_.parameters())
        X = torch.as_tensor(np.asarray(X), dtype=module_param.dtype)
        X = X.to(module_param.device)
        if y is not None:
            y = torch.as_tensor(np.asarray(y)).to(module_param.device)
        return TensorData(X, y)

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, TensorData):
            return super().get_iterator(dataset, training=training)
        if training:
            has_batch_norm = any(
                isinstance(m, torch.nn.BatchNorm1d) for m in self.module_.modules()
            )
            rng = self.random_state if self.shuffle else None
            return TensorBatches(
                dataset, self.batch_size, rng=rng, merge_singleton=has_batch_norm
            )
        # Prediction is row-wise (dropout off, batch norm on running
        # statistics): large chunks only bound the memory.
        return TensorBatches(dataset, max(int(self.batch_size), 8192))

    # ------------------------------------------------------------------ loss
    def _batch_scale(self, sample_weight, n_rows):
        if sample_weight is None:
            return float(n_rows), 1.0 / n_rows
        total = sample_weight.sum()
        # A batch whose weights are all zero contributes nothing.
        return total, torch.where(total > 0, total.reciprocal(), total)

    def _smooth_loss(self, y_pred, y_true):
        """Weighted data term + L2 penalty, and the batch's weight and scale."""
        y, sample_weight = y_true
        per_sample = self.criterion_(y_pred, y).reshape(-1)
        total, scale = self._batch_scale(sample_weight, per_sample.shape[0])
        if sample_weight is None:
            loss = per_sample.sum()
        else:
            loss = per_sample @ sample_weight
        l2 = self.alpha * (1.0 - self.l1_ratio)
        if l2 > 0:
            squares = sum(W.pow(2).sum() for W in self.module_.penalized_weights())
            loss = loss + 0.5 * l2 * squares
        return loss * scale, total, scale

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Smooth part of the batch loss: weighted data term + L2 penalty."""
        return self._smooth_loss(y_pred, y_true)[0]

    def _l1_value(self):
        with torch.no_grad():
            return sum(W.abs().sum() for W in self.module_.penalized_weights())

    def train_step_single(self, batch, **fit_params):
        if not self.module_.training:  # once per epoch, not per batch
            self._set_training(True)
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss, total, scale = self._smooth_loss(y_pred, yi)
        loss.backward()
        reported = loss.detach()
        l1 = self.alpha * self.l1_ratio
        if l1 > 0:
            reported = reported + l1 * self._l1_value() * scale
        return {"loss": reported, "y_pred": y_pred, "weight": total, "scale": scale}

    def train_step(self, batch, **fit_params):
        """One optimizer step on the smooth loss, then the L1 proximal step."""
        self._zero_grad_optimizer(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        if self.callbacks_:
            self.notify(
                "on_grad_computed",
                named_parameters=list(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        self._step_optimizer(None)
        l1 = self.alpha * self.l1_ratio
        if l1 > 0:
            self.proximal_l1_step(l1 * step["scale"])
        return step

    @torch.no_grad()
    def proximal_l1_step(self, strength):
        """Soft-threshold the weight matrices after an optimizer step.

        ``W <- sign(W) * max(|W| - t, 0)`` with ``t = lr * strength`` for SGD
        and ``t = lr * strength / (sqrt(v / (1 - beta_2^k)) + eps)`` for Adam:
        the proximal operator of ``strength * ||W||_1`` in the metric Adam
        steps in.
        """
        optimizer = self.optimizer_
        weights = {id(W) for W in self.module_.penalized_weights()}
        is_adam = isinstance(optimizer, torch.optim.Adam)
        for group in optimizer.param_groups:
            lr = group["lr"]
            for W in group["params"]:
                if id(W) not in weights:
                    continue
                if is_adam:
                    state = optimizer.state[W]
                    beta_2 = group["betas"][1]
                    # bias correction in double precision (step is float32)
                    bias_correction = 1.0 - beta_2 ** float(state["step"])
                    v_hat = state["exp_avg_sq"] / bias_correction
                    threshold = (lr * strength) / v_hat.sqrt_().add_(group["eps"])
                else:
                    threshold = lr * strength
                # soft_threshold(w, t) = w - clip(w, -t, t)
                W.sub_(torch.minimum(torch.maximum(W, -threshold), threshold))

    # ----------------------------------------------------------------- epoch
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass; records the sample-weighted mean loss of the epoch."""
        if iterator is None:
            return
        notify = bool(self.callbacks_)
        loss_sum = weight_sum = 0.0
        n_batches = 0
        for batch in iterator:
            if notify:
                self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            weight = step.get("weight")
            if weight is None:
                weight = self._batch_scale(batch[1][1], len(batch[0]))[0]
            loss_sum = loss_sum + step["loss"] * weight
            weight_sum = weight_sum + weight
            if notify:
                self.notify("on_batch_end", batch=batch, training=training, **step)
            n_batches += 1
        self.history.record(prefix + "_loss", float(loss_sum / weight_sum))
        self.history.record(prefix + "_batch_count", n_batches)

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
            if self.alpha * self.l1_ratio > 0:
                scale = self._batch_scale(yi[1], len(Xi))[1]
                loss = loss + self.alpha * self.l1_ratio * self._l1_value() * scale
        return {"loss": loss, "y_pred": y_pred}

    def fit_epoch(self, iterator, dataset_train=None, dataset_valid=None):
        """Run one training epoch through skorch's callback protocol.

        Returns the epoch's sample-weighted mean training loss.
        """
        kwargs = {"dataset_train": dataset_train, "dataset_valid": dataset_valid}
        self.notify("on_epoch_begin", **kwargs)
        self.run_single_epoch(
            iterator, training=True, prefix="train", step_fn=self.train_step
        )
        return self.history[-1, "train_loss"]

    def end_epoch(self, dataset_train=None, dataset_valid=None):
        """Close the epoch opened by :meth:`fit_epoch` (``on_epoch_end``)."""
        self.notify(
            "on_epoch_end", dataset_train=dataset_train, dataset_valid=dataset_valid
        )

    @torch.no_grad()
    def logits(self, data):
        """Logits of the module in evaluation mode, on the net's device."""
        self._set_training(False)
        chunks = [self.module_(Xb) for Xb, _ in self.get_iterator(data)]
        return torch.cat(chunks) if len(chunks) > 1 else chunks[0]
