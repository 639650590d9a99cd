"""The distributions a process column can follow: parameters, moments, draws and maximum-likelihood fits.

Each distribution has *canonical* parameters, the ones saved with a model:

============  =====================  ===========================================
distribution  canonical parameters   may be declared as
============  =====================  ===========================================
exponential   ``mean``               ``mean`` or ``rate`` (= 1 / mean)
weibull       ``shape``, ``scale``   ``shape`` and ``scale`` or ``mean``
poisson       ``mean``               ``mean`` or ``rate`` (the same number)
normal        ``mean``, ``sd``       ``mean`` and ``sd``
lognormal     ``meanlog``, ``sdlog`` ``meanlog`` and ``sdlog`` (mean and sd of
                                     the log), or ``mean`` and ``sd`` (of the
                                     values themselves)
============  =====================  ===========================================

Fits use scipy's maximum-likelihood estimators with the location fixed at 0
(``expon``, ``weibull_min``, ``lognorm``) and ``norm.fit``; the Poisson MLE is the
sample mean.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

Distribution = Literal["exponential", "weibull", "poisson", "normal", "lognormal"]
DISTRIBUTIONS: tuple[str, ...] = ("exponential", "weibull", "poisson", "normal", "lognormal")
PARAMETER_NAMES = ("mean", "rate", "shape", "scale", "sd", "meanlog", "sdlog")

# Each slot is filled by exactly one of its names; a group's value for a slot replaces the default's.
SLOTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "exponential": (("mean", "rate"),),
    "weibull": (("shape",), ("mean", "scale")),
    "poisson": (("mean", "rate"),),
    "normal": (("mean",), ("sd",)),
    "lognormal": (("meanlog", "mean"), ("sdlog", "sd")),
}
# the values a distribution can take: (lowest, highest), None for unbounded
SUPPORT: dict[str, tuple[float | None, float | None]] = {
    "exponential": (0.0, None),
    "weibull": (0.0, None),
    "poisson": (0.0, None),
    "normal": (None, None),
    "lognormal": (0.0, None),
}
# parameters that may be any real number; the others must be positive
_ANY_SIGN = {("normal", "mean"), ("lognormal", "meanlog")}
# Drawable parameters: every draw, even FAR_TAIL standard units out (numpy's standard exponential, normal
# and Weibull draws stay below 45), is a float below MAX_DRAW, and the mean and sd are finite numbers; a
# Poisson mean is at most POISSON_MAX_MEAN (numpy refuses a rate near 2**63, and counts above 2**53 are not
# exact as float64)
MAX_DRAW = 1e300
FAR_TAIL = 50.0
POISSON_MAX_MEAN = 1e15


def slot_of(distribution: str, name: str) -> int | None:
    """Which slot of ``distribution`` the parameter ``name`` fills; None if it takes no such parameter."""
    for i, names in enumerate(SLOTS[distribution]):
        if name in names:
            return i
    return None


def describe(distribution: str) -> str:
    """What ``distribution`` takes, for error messages: ``weibull takes shape and one of mean, scale``."""
    parts = [names[0] if len(names) == 1 else f"one of {', '.join(names)}" for names in SLOTS[distribution]]
    text = f"{distribution} takes {' and '.join(parts)}"
    if distribution == "lognormal":
        text += " (meanlog and sdlog of the log, or mean and sd of the values)"
    return text


def canonical_params(distribution: str, declared: dict[str, float]) -> dict[str, float]:
    """The canonical parameters from declared ones; ValueError saying what is missing, extra or out of range."""
    extra = [name for name in declared if slot_of(distribution, name) is None]
    if extra:
        raise ValueError(f"{', '.join(extra)}: not a parameter here; {describe(distribution)}")
    for slot in SLOTS[distribution]:
        given = [name for name in slot if name in declared]
        if len(given) != 1:
            problem = "missing" if not given else f"both {' and '.join(given)} given"
            raise ValueError(f"{' / '.join(slot)} {problem}; {describe(distribution)}")
    for name, value in declared.items():
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}")
        if (distribution, name) not in _ANY_SIGN and value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    try:
        params = _canonical(distribution, declared)
    except (OverflowError, ZeroDivisionError):
        params = {"": math.inf}  # refused below
    check_drawable(distribution, params, declared)
    return params


def _canonical(distribution: str, d: dict[str, float]) -> dict[str, float]:
    if distribution in ("exponential", "poisson"):
        return {"mean": d["mean"] if "mean" in d else (1.0 / d["rate"] if distribution == "exponential" else d["rate"])}
    if distribution == "weibull":
        shape = d["shape"]
        scale = d["scale"] if "scale" in d else d["mean"] / math.gamma(1.0 + 1.0 / shape)
        return {"shape": shape, "scale": scale}
    if distribution == "normal":
        return {"mean": d["mean"], "sd": d["sd"]}
    if ("meanlog" in d) != ("sdlog" in d):
        raise ValueError(f"a mix of log and value parameters; {describe(distribution)}")
    if "meanlog" in d:
        return {"meanlog": d["meanlog"], "sdlog": d["sdlog"]}
    sdlog2 = math.log1p((d["sd"] / d["mean"]) ** 2)
    return {"meanlog": math.log(d["mean"]) - sdlog2 / 2, "sdlog": math.sqrt(sdlog2)}


def check_drawable(distribution: str, params: dict[str, float], declared: dict[str, float] | None = None) -> None:
    """ValueError when canonical ``params`` cannot be drawn as finite numbers (see :data:`MAX_DRAW`).

    ``declared`` (the parameters as given, for the message) defaults to ``params``.
    """
    given = ", ".join(f"{k} {v:g}" for k, v in (declared or params).items())
    if distribution == "poisson":
        if not params["mean"] <= POISSON_MAX_MEAN:
            raise ValueError(
                f"a poisson mean above {POISSON_MAX_MEAN:g} cannot be drawn as exact whole counts ({given})"
            )
        return
    try:
        if not all(math.isfinite(v) for v in params.values()):
            raise OverflowError
        far = {  # the log of the largest magnitude a draw may reach
            "exponential": lambda p: math.log(p["mean"]) + math.log(FAR_TAIL),
            "weibull": lambda p: math.log(p["scale"]) + math.log(FAR_TAIL) / p["shape"],
            "normal": lambda p: math.log(abs(p["mean"]) + FAR_TAIL * p["sd"]),
            "lognormal": lambda p: p["meanlog"] + FAR_TAIL * p["sdlog"],
        }[distribution](params)
        mean, sd = moments(distribution, params)
        if not (far <= math.log(MAX_DRAW) and math.isfinite(mean) and math.isfinite(sd)):
            raise OverflowError
    except (OverflowError, ValueError):
        raise ValueError(
            f"{distribution} {given}: its draws could overflow (a draw far in its tail, or its mean or sd, "
            f"would reach {MAX_DRAW:g} or more), so they cannot be made as finite numbers"
        ) from None


def moments(distribution: str, params: dict[str, float]) -> tuple[float, float]:
    """(mean, standard deviation) of the distribution with canonical ``params``."""
    if distribution == "exponential":
        return params["mean"], params["mean"]
    if distribution == "poisson":
        return params["mean"], math.sqrt(params["mean"])
    if distribution == "normal":
        return params["mean"], params["sd"]
    if distribution == "weibull":
        k, scale = params["shape"], params["scale"]
        g1, g2 = math.gamma(1.0 + 1.0 / k), math.gamma(1.0 + 2.0 / k)
        return scale * g1, scale * math.sqrt(max(g2 - g1 * g1, 0.0))
    mu, sigma = params["meanlog"], params["sdlog"]
    return math.exp(mu + sigma**2 / 2), math.sqrt(math.expm1(sigma**2)) * math.exp(mu + sigma**2 / 2)


def draw(distribution: str, params: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` independent draws (float64; whole numbers for poisson)."""
    if distribution == "exponential":
        return rng.exponential(params["mean"], n)
    if distribution == "weibull":
        return params["scale"] * rng.weibull(params["shape"], n)
    if distribution == "poisson":
        return rng.poisson(params["mean"], n).astype(np.float64)
    if distribution == "normal":
        return rng.normal(params["mean"], params["sd"], n)
    return rng.lognormal(params["meanlog"], params["sdlog"], n)


def cdf_midpoints(distribution: str, params: dict[str, float], values: np.ndarray) -> np.ndarray:
    """The distribution's CDF at ``values`` (for poisson the midpoint of the jump at each count): uniform on
    [0, 1], mean 1/2, when the values are draws of it, whatever its tails."""
    from scipy import stats

    if distribution == "exponential":
        return stats.expon.cdf(values, scale=params["mean"])
    if distribution == "weibull":
        return stats.weibull_min.cdf(values, params["shape"], scale=params["scale"])
    if distribution == "poisson":
        return (stats.poisson.cdf(values - 1, params["mean"]) + stats.poisson.cdf(values, params["mean"])) / 2
    if distribution == "normal":
        return stats.norm.cdf(values, loc=params["mean"], scale=params["sd"])
    return stats.lognorm.cdf(values, params["sdlog"], scale=math.exp(params["meanlog"]))


def unsupported_count(distribution: str, values: np.ndarray) -> int:
    """How many of ``values`` a fit of ``distribution`` cannot use (out of its support, or not whole counts)."""
    if distribution == "normal":
        return 0
    if distribution == "exponential":
        bad = values < 0
    elif distribution == "poisson":
        bad = (values < 0) | (values != np.round(values))
    else:  # weibull, lognormal: log(0) has no likelihood
        bad = values <= 0
    return int(bad.sum())


def fit(distribution: str, values: np.ndarray) -> dict[str, float]:
    """Maximum-likelihood canonical parameters from finite ``values`` inside the support (see :func:`unsupported_count`)."""
    from scipy import stats

    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        raise ValueError(f"{values.size} value(s) to fit on; a fit needs at least 2")
    if distribution == "exponential":
        _, scale = stats.expon.fit(values, floc=0)
        params = {"mean": float(scale)}
    elif distribution == "poisson":
        params = {"mean": float(values.mean())}
    elif distribution == "normal":
        loc, scale = stats.norm.fit(values)
        params = {"mean": float(loc), "sd": float(scale)}
    elif np.ptp(values) == 0:
        raise ValueError(f"every value is the same: a {distribution} cannot be fitted")
    elif distribution == "weibull":
        shape, _, scale = stats.weibull_min.fit(values, floc=0)
        params = {"shape": float(shape), "scale": float(scale)}
    else:
        sdlog, _, scale = stats.lognorm.fit(values, floc=0)
        params = {"meanlog": float(math.log(scale)), "sdlog": float(sdlog)}
    for name, value in params.items():
        positive = (distribution, name) in _ANY_SIGN or distribution == "poisson" or value > 0
        if not math.isfinite(value) or not positive:
            raise ValueError(f"the {distribution} fit gave {name} = {value}: the values do not fit it")
    try:
        check_drawable(distribution, params)
    except ValueError:
        raise ValueError(f"the {distribution} fit gives parameters whose draws could overflow") from None
    return params
