"""The PyTorch oracle of the MLP tests: the same network built from torch modules."""

import numpy as np
import torch

TORCH_ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "linear": torch.nn.Identity,
}


def torch_net(params, activation, batchnorm=False, momentum=0.1, eps=1e-5):
    """The same network from torch modules; torch's ``Linear.weight`` is our W transposed."""
    modules = []
    for i, layer in enumerate(params):
        w = np.asarray(layer["W"])
        linear = torch.nn.Linear(*w.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))
            linear.bias.copy_(torch.from_numpy(np.array(layer["b"])))
        modules.append(linear)
        if i < len(params) - 1:
            if batchnorm:
                bn = torch.nn.BatchNorm1d(w.shape[1], eps=eps, momentum=momentum,
                                          dtype=torch.float64)
                with torch.no_grad():
                    bn.weight.copy_(torch.from_numpy(np.array(layer["gamma"])))
                    bn.bias.copy_(torch.from_numpy(np.array(layer["beta"])))
                modules.append(bn)
            modules.append(TORCH_ACTIVATIONS[activation]())
    return torch.nn.Sequential(*modules)
