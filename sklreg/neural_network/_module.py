"""The torch module behind :class:`sklreg.MLPClassifier`.

Each hidden layer is ``Linear -> [BatchNorm1d] -> activation -> [Dropout]``;
the output layer is a plain ``Linear`` that returns logits (one column for a
binary problem, one per class otherwise, as scikit-learn's MLP).
"""

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


class SingleRowBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` that normalizes a training batch of one row.

    The batch statistics of a single row are undefined (its variance is 0 and
    ``nn.BatchNorm1d`` raises).  Such a batch (``partial_fit`` on one sample,
    say) is normalized with the running statistics instead, which it leaves
    unchanged, while the scale and shift still learn.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if self.training and input.shape[0] == 1 and self.track_running_stats:
            return F.batch_norm(
                input,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                training=False,
                momentum=0.0,
                eps=self.eps,
            )
        return super().forward(input)


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
