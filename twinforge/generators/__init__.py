"""Synthetic data generators and the registry that names them.

``create_generator("transformer", seed=0, epochs=100)`` builds one by name; a new
model class becomes available with ``register_generator``. Registered here:

* ``copula``: Gaussian copula baseline (:mod:`.copula`);
* ``gan``: conditional tabular GAN, CTGAN-style (:mod:`.gan`);
* ``vae``: tabular VAE, TVAE-style, conditioned (:mod:`.vae`);
* ``transformer``: autoregressive transformer over per-column tokens (:mod:`.transformer`).

The abstract :class:`Generator` is in :mod:`.base`, conditional sampling (conditions,
rebalancing, rejection) in :mod:`.sampling`, saving and loading in :mod:`.persistence`.
Networks live in :mod:`.nets`, shared torch plumbing in :mod:`.torch_base`, the
GAN/VAE conditional vector in :mod:`.conditioning`, data representations in
:mod:`twinforge.encoders`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from twinforge.generators.base import Generator
from twinforge.generators.persistence import load_generator
from twinforge.generators.sampling import ConditionError

if TYPE_CHECKING:
    from twinforge.config.spec import DatasetSpec

_REGISTRY: dict[str, type[Generator]] = {}


def register_generator(cls: type[Generator]) -> type[Generator]:
    """Make ``cls`` available under ``cls.name`` (usable as a class decorator)."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"{cls.__name__} needs a non-empty string class attribute 'name' to be registered")
    registered = _REGISTRY.get(name)
    if registered is not None and registered is not cls:
        raise ValueError(f"generator name {name!r} is already taken by {registered.__module__}.{registered.__name__}")
    _REGISTRY[name] = cls
    return cls


def available_generators() -> list[str]:
    return sorted(_REGISTRY)


def generator_class(name: str, source: str | Path | None = None) -> type[Generator]:
    """The class registered as ``name``; ``source`` (e.g. a model file) is named in the error."""
    try:
        return _REGISTRY[name]
    except KeyError:
        origin = f" (named in {source})" if source is not None else ""
        raise ValueError(
            f"unknown generator model {name!r}{origin}; available: {', '.join(available_generators())}"
        ) from None


def check_spec_params(spec: DatasetSpec) -> None:
    """SpecError naming the spec file when its ``generator.params`` has a key its model does not take."""
    from twinforge.config.spec import SpecError

    try:
        generator_class(spec.generator.model).check_params(spec.generator.params)
    except ValueError as error:
        raise SpecError(f"{spec.origin}: invalid dataset spec: field 'generator.params': {error}") from None


def create_generator(name: str, **params: Any) -> Generator:
    return generator_class(name)(**params)


# Registered here rather than in the model modules, so they need no import of this package.
from twinforge.generators.copula import GaussianCopulaGenerator  # noqa: E402
from twinforge.generators.gan import GanGenerator  # noqa: E402
from twinforge.generators.transformer import TransformerGenerator  # noqa: E402
from twinforge.generators.vae import VaeGenerator  # noqa: E402

for _cls in (GaussianCopulaGenerator, GanGenerator, TransformerGenerator, VaeGenerator):
    register_generator(_cls)

__all__ = [
    "ConditionError",
    "GanGenerator",
    "GaussianCopulaGenerator",
    "TransformerGenerator",
    "VaeGenerator",
    "Generator",
    "available_generators",
    "create_generator",
    "generator_class",
    "load_generator",
    "register_generator",
]
