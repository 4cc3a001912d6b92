"""The torch module behind sklreg's MLPClassifier and MLPRegressor.

Each hidden layer is ``Linear -> [BatchNorm1d] -> activation -> [Dropout]``;
the output layer is a plain ``Linear`` that returns logits (one column for a
binary problem, one per class otherwise, as scikit-learn's MLP).
"""

from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


# Below this many elements the CPU batch norm is written with elementwise ops:
# the native CPU kernel splits even a tiny batch over OpenMP threads, whose
# start-up dominates (and, on a busy machine, costs milliseconds per call),
# while elementwise ops stay on one thread below torch's grain size.
_SMALL_BATCH_NUMEL = 32768


class SingleRowBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` that accepts a training batch of one row.

    The batch statistics of a single row are undefined (its variance is 0 and
    ``nn.BatchNorm1d`` raises).  Such a batch (``partial_fit`` on one sample,
    say) is normalized with the running statistics instead, which it leaves
    unchanged, while the scale and shift still learn.  Otherwise it computes
    exactly ``nn.BatchNorm1d``: batch mean and biased variance in training,
    running statistics (updated with the unbiased variance) at evaluation.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        training = self.training and self.track_running_stats
        if training and input.shape[0] == 1:
            training = False
        elif (
            input.device.type != "cpu"
            or input.numel() >= _SMALL_BATCH_NUMEL
            or self.momentum is None
        ):
            return super().forward(input)
        if not training:
            if self.running_mean is None:
                return super().forward(input)
            scale = torch.rsqrt(self.running_var + self.eps) * self.weight
            return (input - self.running_mean) * scale + self.bias
        n = input.shape[0]
        mean = input.mean(0)
        centered = input - mean
        var = (centered * centered).mean(0)
        with torch.no_grad():
            self.num_batches_tracked.add_(1)
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * (n / (n - 1)), self.momentum)
        return centered * (torch.rsqrt(var + self.eps) * self.weight) + self.bias


class MLPModule(nn.Module):
    """Multi-layer perceptron: ``Linear -> [BatchNorm1d] -> act -> [Dropout]``.

    Parameters
    ----------
    n_features : int
        Width of the input.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer (may be empty: a linear model).
    n_outputs : int
        Number of logits returned.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Hidden activation.
    dropout_p : float, default=0.0
        Probability of zeroing a hidden unit in training (``nn.Dropout``,
        survivors scaled by ``1 / (1 - dropout_p)``); no layer when 0.
    batch_norm : bool, default=False
        Insert ``BatchNorm1d(eps=1e-5)`` after each hidden ``Linear``.
    dtype : torch.dtype, default=torch.float32
        Dtype of the parameters.
    """

    def __init__(
        self,
        n_features: int,
        hidden_layer_sizes: Sequence[int],
        n_outputs: int,
        activation: str = "relu",
        dropout_p: float = 0.0,
        batch_norm: bool = False,
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        fan_in = n_features
        for width in hidden_layer_sizes:
            layers.append(nn.Linear(fan_in, width, dtype=dtype))
            if batch_norm:
                layers.append(SingleRowBatchNorm1d(width, eps=1e-5, dtype=dtype))
            layers.append(ACTIVATIONS[activation]())
            if dropout_p > 0:
                layers.append(nn.Dropout(dropout_p))
            fan_in = width
        layers.append(nn.Linear(fan_in, n_outputs, dtype=dtype))
        self.layers = nn.Sequential(*layers)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.layers(X)

    def linears(self) -> list[nn.Linear]:
        """The ``Linear`` layers, input to output."""
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def penalized_weights(self) -> list[torch.Tensor]:
        """The weight matrices the penalty acts on (no biases, no BN scales)."""
        return [m.weight for m in self.layers if isinstance(m, nn.Linear)]
