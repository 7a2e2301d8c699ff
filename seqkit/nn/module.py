"""The container mechanism: parameters, gradients and sub-modules, walked by name.

Every layer is a `Module` with `params` and `grads` (dicts with the same keys, the gradients accumulate
with `+=`) and `forward(x, train) -> (y, cache)` / `backward(dy, cache) -> dx`. A model is a Module whose
attributes are Modules (or lists of Modules); `named_parameters()` walks them in attribute order and
yields ("encoder.layers.0.W_x", param, grad) triples for the optimizer. No call-order state: whatever
backward needs travels in the cache that forward returns.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from seqkit.errors import ModelFormatError


class Module:
    """Base class: a dict of parameters, a dict of gradients with the same keys, and sub-modules."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        # arrays saved with the model but never trained (a frozen embedding)
        self.buffers: dict[str, np.ndarray] = {}

    # -- parameters -------------------------------------------------------------------------------
    def add_param(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register a parameter and a zero gradient of the same shape and dtype."""
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)
        return value

    # -- work arrays ------------------------------------------------------------------------------
    def take_scratch(self, name: str, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised array for a forward-to-backward cache, reusing the one handed back by the
        last backward: arrays over 32 MiB come fresh from the system each time otherwise, and every
        page faults on first touch. A second forward before that backward simply gets a new one."""
        pool = self.__dict__.setdefault("_scratch", {})
        flat = pool.pop(name, None)
        size = int(np.prod(shape))
        if flat is None or flat.dtype != np.dtype(dtype) or flat.size < size:
            flat = np.empty(size, dtype)
        return flat[:size].reshape(shape)

    def give_back_scratch(self, name: str, array: np.ndarray) -> None:
        """Hand an array from take_scratch back once nothing reads it any more."""
        self.__dict__.setdefault("_scratch", {})[name] = array if array.base is None else array.base

    def children(self) -> Iterator[tuple[str, "Module"]]:
        """Direct sub-modules, in attribute order; a list or tuple of modules gives names 'attr.0', 'attr.1'."""
        for key, value in vars(self).items():
            if key.startswith("_"):  # private aliases (e.g. a list of modules also held by name) are skipped
                continue
            if isinstance(value, Module):
                yield key, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{key}.{i}", item

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, child in self.children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """(dotted name, parameter, gradient) for this module and every sub-module."""
        for mod_name, mod in self.named_modules(prefix):
            for key, p in mod.params.items():
                yield (f"{mod_name}.{key}" if mod_name else key), p, mod.grads[key]

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        return list(self.named_parameters())

    def n_parameters(self) -> int:
        return int(sum(p.size for _, p, _ in self.named_parameters()))

    def zero_grad(self) -> None:
        for _, mod in self.named_modules():
            for g in mod.grads.values():
                g.fill(0.0)

    def astype(self, dtype) -> "Module":
        """Cast every parameter and gradient (in place on the module tree); returns self."""
        for _, mod in self.named_modules():
            for key in list(mod.params):
                mod.params[key] = mod.params[key].astype(dtype)
                mod.grads[key] = mod.grads[key].astype(dtype)
            for key in list(mod.buffers):
                mod.buffers[key] = mod.buffers[key].astype(dtype)
        return self

    @property
    def dtype(self):
        for _, p, _ in self.named_parameters():
            return p.dtype
        return np.dtype(np.float32)

    # -- state ------------------------------------------------------------------------------------
    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for mod_name, mod in self.named_modules(prefix):
            for key, b in mod.buffers.items():
                yield (f"{mod_name}.{key}" if mod_name else key), b

    def state_dict(self) -> dict[str, np.ndarray]:
        """A flat dict name -> array (copies of parameters and buffers), ready for np.savez."""
        state = {name: p.copy() for name, p, _ in self.named_parameters()}
        state.update({name: b.copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray], strict: bool = True) -> None:
        """Copy arrays into the parameters in place (dtype kept); a missing, extra or misshapen one raises."""
        own = {name: p for name, p, _ in self.named_parameters()}
        own.update(dict(self.named_buffers()))
        missing = [k for k in own if k not in state]
        extra = [k for k in state if k not in own]
        if strict and (missing or extra):
            raise ModelFormatError(
                f"model parameters do not match the architecture: missing {missing[:5]}, unexpected {extra[:5]}; "
                "was the file written by a different architecture or version?"
            )
        for name, p in own.items():
            if name not in state:
                continue
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise ModelFormatError(
                    f"parameter {name} has shape {value.shape} in the file but {p.shape} in the model"
                )
            p[...] = value

    # -- interface ---------------------------------------------------------------------------------
    def forward(self, x, train: bool = False):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dy, cache):  # pragma: no cover - interface
        raise NotImplementedError


class Sequential(Module):
    """Layers applied in order; each takes the previous one's output."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        self.layers = list(layers)

    def forward(self, x, train: bool = False):
        caches = []
        for layer in self.layers:
            x, c = layer.forward(x, train)
            caches.append(c)
        return x, caches

    def backward(self, dy, cache):
        for layer, c in zip(reversed(self.layers), reversed(cache)):
            dy = layer.backward(dy, c)
        return dy
