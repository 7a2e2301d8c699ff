"""Optimizers over (name, param, grad) triples, gradient clipping, and learning-rate schedules.

    opt = make_optimizer("adam", model.parameters(), lr=warmup_decay(1e-3, 100, 5000))
    model.zero_grad(); ...backward...; clip_grad_norm(model.parameters(), 1.0); opt.step()

`lr` is a float or a schedule (a callable of the step number, from 0). Parameters are updated in place.
Weight decay: L2 added to the gradient for every optimizer except AdamW, which decays the weights
directly (Loshchilov & Hutter 2019). Parameters whose name ends in "b", "b_h", "beta" or "gamma"
(biases and norms) can be spared from decay with decay_filter=default_decay_filter.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Union

import numpy as np

from seqkit.errors import OptionError

Param = tuple[str, np.ndarray, np.ndarray]
Schedule = Callable[[int], float]
LR = Union[float, Schedule]


# -- schedules -----------------------------------------------------------------------------------
def constant(lr: float) -> Schedule:
    return lambda step: lr


def linear_decay(lr: float, total_steps: int, final: float = 0.0) -> Schedule:
    """From lr at step 0 down to `final` at total_steps, then flat."""
    def f(step: int) -> float:
        frac = min(step / max(total_steps, 1), 1.0)
        return lr + (final - lr) * frac
    return f


def warmup_decay(lr: float, warmup: int, total_steps: int, decay: str = "linear", final: float = 0.0) -> Schedule:
    """Linear warm-up from 0 to lr over `warmup` steps, then linear or cosine decay to `final` at total_steps,
    or inverse square root (decay="inverse_sqrt", Vaswani et al. 2017)."""
    if decay not in ("linear", "cosine", "inverse_sqrt"):
        raise OptionError(f"decay must be linear, cosine or inverse_sqrt, got {decay!r}")

    def f(step: int) -> float:
        if warmup > 0 and step < warmup:
            return lr * (step + 1) / warmup
        if decay == "inverse_sqrt":
            return lr * math.sqrt(max(warmup, 1) / (step + 1))
        frac = min((step - warmup) / max(total_steps - warmup, 1), 1.0)
        if decay == "cosine":
            return final + (lr - final) * 0.5 * (1 + math.cos(math.pi * frac))
        return lr + (final - lr) * frac
    return f


# -- clipping ------------------------------------------------------------------------------------
def global_norm(params: Iterable[Param]) -> float:
    return math.sqrt(sum(float(np.vdot(g, g)) for _, _, g in params))


def clip_grad_norm(params: Iterable[Param], max_norm: float) -> float:
    """Scale all gradients together so their global L2 norm is at most max_norm; returns the norm before."""
    params = list(params)
    norm = global_norm(params)
    if max_norm > 0 and norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for _, _, g in params:
            g *= scale
    return norm


def default_decay_filter(name: str) -> bool:
    """True for weights that should decay; biases, LayerNorm gains and shifts do not."""
    last = name.rsplit(".", 1)[-1]
    return last not in ("b", "b_h", "beta", "gamma")


# -- optimizers ----------------------------------------------------------------------------------
class Optimizer:
    def __init__(
        self,
        params: Iterable[Param],
        lr: LR,
        weight_decay: float = 0.0,
        decay_filter: Callable[[str], bool] | None = None,
    ):
        self.params = list(params)
        if not self.params:
            raise OptionError("the optimizer got no parameters to train")
        self.schedule: Schedule = lr if callable(lr) else constant(float(lr))
        self.weight_decay = weight_decay  # L2 strength (decoupled for AdamW)
        self.decay_filter = decay_filter or (lambda name: True)
        self.t = 0  # steps taken
        self.state: dict[str, dict[str, np.ndarray]] = {name: {} for name, _, _ in self.params}

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        return self.schedule(self.t)

    def _slot(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        s = self.state[name]
        if key not in s:
            s[key] = np.zeros_like(like)
        return s[key]

    def step(self) -> None:
        lr = self.schedule(self.t)
        self.t += 1
        for name, p, g in self.params:
            if self.weight_decay and self.decay_filter(name) and not self.decoupled:
                g = g + self.weight_decay * p
            self.update(name, p, g, lr)

    decoupled = False

    def update(self, name: str, p: np.ndarray, g: np.ndarray, lr: float) -> None:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """Flat arrays for a checkpoint: 'name/slot' -> array, plus 't'."""
        out = {f"{name}/{k}": v for name, s in self.state.items() for k, v in s.items()}
        out["t"] = np.array(self.t)
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        for key, value in state.items():
            if key == "t":
                continue
            name, slot = key.rsplit("/", 1)
            if name in self.state:
                self.state[name][slot] = np.array(value)


class SGD(Optimizer):
    """Plain, momentum (heavy ball) or Nesterov momentum (Sutskever et al. 2013 form, as in PyTorch)."""

    def __init__(self, params, lr: LR = 0.1, momentum: float = 0.0, nesterov: bool = False, **kw):
        super().__init__(params, lr, **kw)
        self.momentum, self.nesterov = momentum, nesterov

    def update(self, name, p, g, lr):
        if self.momentum == 0:
            p -= lr * g
            return
        v = self._slot(name, "v", p)
        v *= self.momentum
        v += g
        p -= lr * (g + self.momentum * v if self.nesterov else v)


class Adagrad(Optimizer):
    def __init__(self, params, lr: LR = 0.01, eps: float = 1e-10, **kw):
        super().__init__(params, lr, **kw)
        self.eps = eps

    def update(self, name, p, g, lr):
        s = self._slot(name, "sum_sq", p)
        s += g * g
        p -= lr * g / (np.sqrt(s) + self.eps)


class Adadelta(Optimizer):
    """Zeiler 2012; lr scales the update (1.0 is the paper's)."""

    def __init__(self, params, lr: LR = 1.0, rho: float = 0.9, eps: float = 1e-6, **kw):
        super().__init__(params, lr, **kw)
        self.rho, self.eps = rho, eps

    def update(self, name, p, g, lr):
        eg = self._slot(name, "sq_avg", p)
        ed = self._slot(name, "acc_delta", p)
        eg *= self.rho
        eg += (1 - self.rho) * g * g
        delta = np.sqrt(ed + self.eps) / np.sqrt(eg + self.eps) * g
        ed *= self.rho
        ed += (1 - self.rho) * delta * delta
        p -= lr * delta


class RMSProp(Optimizer):
    def __init__(self, params, lr: LR = 0.001, alpha: float = 0.99, eps: float = 1e-8, **kw):
        super().__init__(params, lr, **kw)
        self.alpha, self.eps = alpha, eps

    def update(self, name, p, g, lr):
        s = self._slot(name, "sq_avg", p)
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        p -= lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Kingma & Ba 2015 with bias correction."""

    def __init__(self, params, lr: LR = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, **kw):
        super().__init__(params, lr, **kw)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, name, p, g, lr):
        from seqkit.nn.optim_kernels import adam_reference, adam_update

        m = self._slot(name, "m", p)
        v = self._slot(name, "v", p)
        b1, b2 = self.beta1, self.beta2
        step_size = lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps_hat = self.eps * math.sqrt(1 - b2**self.t)
        coefs = np.array([b1, b2, step_size, eps_hat], p.dtype)
        flat = [a.reshape(-1) for a in (p, g, m, v) if a.flags.c_contiguous and a.dtype == p.dtype]
        if len(flat) == 4:
            adam_update(*flat, coefs)  # one fused pass (reshape gave views: p, m, v change in place)
        else:
            adam_reference(p, g, m, v, coefs)


class AdamW(Adam):
    """Adam with decoupled weight decay: p -= lr * wd * p before the Adam step."""

    decoupled = True

    def __init__(self, params, lr: LR = 0.001, weight_decay: float = 0.01, **kw):
        super().__init__(params, lr, weight_decay=weight_decay, **kw)

    def update(self, name, p, g, lr):
        if self.weight_decay and self.decay_filter(name):
            p *= 1 - lr * self.weight_decay
        super().update(name, p, g, lr)


OPTIMIZERS = {
    "sgd": SGD,
    "momentum": lambda params, lr, **kw: SGD(params, lr, momentum=kw.pop("momentum", 0.9), **kw),
    "nesterov": lambda params, lr, **kw: SGD(params, lr, momentum=kw.pop("momentum", 0.9), nesterov=True, **kw),
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def make_optimizer(name: str, params: Iterable[Param], lr: LR, **kw) -> Optimizer:
    """An optimizer by name (one of OPTIMIZERS); extra keywords go to its constructor."""
    if name not in OPTIMIZERS:
        raise OptionError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr, **kw)
