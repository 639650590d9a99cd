"""A last column's distribution given the columns before it, from LightGBM's gradient-boosted trees.

The transformer draws a table's target (its ``last_columns``) from ``p(target | the other columns)``.
Gradient-boosted trees fit that kind of conditional (sharp thresholds on a few columns, levels that
act together) better than the attention stack, which is stopped early for the whole row.

:class:`LastColumnModel` learns the first token of a last column from the earlier generation
positions' tokens, mapped to one input per column:

* a number: its sub-bin (``coarse * fine_bins + fine``, the quantile at the transformer's finest
  resolution), an ordered feature; its null token is a missing value (NaN), which LightGBM sends to
  whichever side of a split fits better;
* a category or boolean: its level, a LightGBM categorical feature.

Settings: 100 rounds of learning rate 0.1, trees at most 5 splits deep (32 leaves), at least 20
training rows in every leaf (so no leaf describes a handful of people), L2 1.0, every bin kept as
it is. Above :data:`EARLY_STOPPING_MIN_ROWS` rows the held-out rows stop the boosting (10 rounds
without improvement, the best round kept); below, it boosts all rounds on the training and held-out
rows together. The objective is a softmax over the classes the training rows have (binary for
two); a class they never had gets a logit of :data:`UNSEEN_LOGIT` and is never drawn.

The fitted trees are kept in LightGBM's text format (``Booster.model_to_string``) and read back
with ``lightgbm.Booster(model_str=...)``, the seen classes as a tensor; nothing is pickled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import lightgbm as lgb
import numpy as np
import torch

# logit of a class the training rows never had: never drawn, but finite (a 0 blend weight stays 0)
UNSEEN_LOGIT = -30.0

# scikit-learn's HistGradientBoosting early-stops only above this many rows ("auto"): on fewer, the
# held-out rows are too few to pick a round, so all rounds are boosted on every row.
EARLY_STOPPING_MIN_ROWS = 10_000


class NumberInput(NamedTuple):
    """A number among the earlier tokens of :class:`LastColumnModel`: its token positions and bin counts."""

    coarse: int  # position of the quantile-bin token (a null token comes after the ``bins`` ordered ones)
    fine: int  # position of the sub-bin token, -1 when the number has none
    bins: int
    fine_bins: int


class LastColumnModel:
    """``p(token | the tokens before it)`` from LightGBM trees on the earlier columns' bins.

    ``numbers`` and ``levels`` (a category's token position and level count) name the inputs;
    ``classes`` is the size of the predicted token's vocabulary.
    """

    def __init__(
        self,
        numbers: Sequence[NumberInput],
        levels: Sequence[tuple[int, int]],
        classes: int,
        seed: int = 0,
        learning_rate: float = 0.1,
        max_rounds: int = 100,
        max_depth: int = 5,
        min_rows_per_leaf: int = 20,
        l2: float = 1.0,
        patience: int = 10,
    ):
        self.numbers = [NumberInput(*(int(v) for v in n)) for n in numbers]
        self.levels = [(int(p), max(int(v), 1)) for p, v in levels]
        if not self.numbers and not self.levels:
            raise ValueError("last-column model: needs at least one earlier column")
        if classes < 1 or max_depth < 1 or min_rows_per_leaf < 1 or max_rounds < 1:
            raise ValueError("last-column model: classes, max_depth, min_rows_per_leaf and max_rounds must be >= 1")
        self.classes = int(classes)
        self.seed = int(seed)
        self.learning_rate, self.max_rounds, self.max_depth = float(learning_rate), int(max_rounds), int(max_depth)
        self.min_rows_per_leaf, self.l2, self.patience = int(min_rows_per_leaf), float(l2), int(patience)
        # the fitted model: the classes seen in training (ascending) and their trees (None: one class only)
        self.seen: np.ndarray | None = None
        self.booster: lgb.Booster | None = None

    @property
    def categorical(self) -> list[int]:
        """Indices of the categorical inputs (after the numbers)."""
        return list(range(len(self.numbers), len(self.numbers) + len(self.levels)))

    def params(self, objective_classes: int) -> dict[str, Any]:
        """LightGBM's parameters for ``objective_classes`` seen classes (at least 2)."""
        widest = max((n.bins * n.fine_bins for n in self.numbers), default=0)
        multiclass = objective_classes > 2
        return {
            "objective": "multiclass" if multiclass else "binary",
            **({"num_class": objective_classes} if multiclass else {}),
            "learning_rate": self.learning_rate,
            "max_depth": self.max_depth,
            "num_leaves": 2**self.max_depth,
            "min_data_in_leaf": self.min_rows_per_leaf,
            "lambda_l2": self.l2,
            # the inputs are bins already: keep each as its own histogram bin
            "max_bin": max(255, widest + 1),
            "min_data_in_bin": 1,
            "num_threads": torch.get_num_threads(),
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }

    def features(self, tokens: torch.Tensor | np.ndarray) -> np.ndarray:
        """The model's inputs ``(n, numbers + levels)`` (float, a number's null as NaN) from the earlier
        tokens ``(n, k)``."""
        tokens = tokens.cpu().numpy() if isinstance(tokens, torch.Tensor) else np.asarray(tokens)
        x = np.empty((len(tokens), len(self.numbers) + len(self.levels)), dtype=np.float64)
        for i, n in enumerate(self.numbers):
            coarse = tokens[:, n.coarse]
            fine = np.minimum(tokens[:, n.fine], n.fine_bins - 1) if n.fine >= 0 else np.zeros_like(coarse)
            x[:, i] = np.where(coarse < n.bins, coarse * n.fine_bins + fine, np.nan)
        for i, (position, _) in enumerate(self.levels, start=len(self.numbers)):
            x[:, i] = tokens[:, position]
        return x

    def fit(
        self,
        tokens: torch.Tensor,
        targets: torch.Tensor,
        validation: torch.Tensor | None = None,
        validation_targets: torch.Tensor | None = None,
    ) -> dict[str, Any]:
        """Fit on the earlier tokens of the rows and their targets. The validation rows stop it on a
        table large enough for them to be a reliable judge (:data:`EARLY_STOPPING_MIN_ROWS`); below
        that it boosts ``max_rounds`` rounds on the training and validation rows together."""
        if validation is None or validation_targets is None:
            validation, validation_targets = tokens[:0], targets[:0]
        x, y = self.features(tokens), _labels(targets)
        x_validation, y_validation = self.features(validation), _labels(validation_targets)
        stopping = len(x) + len(x_validation) > EARLY_STOPPING_MIN_ROWS and len(x_validation) > 0
        if not stopping:
            x, y = np.concatenate([x, x_validation]), np.concatenate([y, y_validation])
        self.seen, y = np.unique(y, return_inverse=True)
        if len(self.seen) < 2:  # one class: nothing to learn
            self.booster = None
            return {"rounds_run": 0, "best_round": 0, "trees": 0}
        params = self.params(len(self.seen))
        train = lgb.Dataset(x, y, categorical_feature=self.categorical, params=params, free_raw_data=False)
        valid_sets, callbacks = [], []
        if stopping:
            # validation rows of a class training never had cannot be scored by the model: left out
            known = np.isin(y_validation, self.seen)
            labels = np.searchsorted(self.seen, y_validation[known])
            valid_sets = [train.create_valid(x_validation[known], labels)]
            callbacks = [lgb.early_stopping(self.patience, first_metric_only=True, verbose=False)]
        booster = lgb.train(params, train, num_boost_round=self.max_rounds, valid_sets=valid_sets, callbacks=callbacks)
        rounds_run = booster.current_iteration()
        best_round = booster.best_iteration if stopping and booster.best_iteration > 0 else rounds_run
        # keep the model as its text reads back, so a saved and loaded model predicts exactly the same
        self.booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=best_round))
        summary = {"rounds_run": rounds_run, "best_round": best_round, "trees": self.booster.num_trees()}
        if stopping:
            summary["validation_loss"] = round(float(next(iter(booster.best_score["valid_0"].values()))), 6)
        return summary

    def logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits ``(n, classes)`` given the earlier tokens ``(n, k)``, on their device."""
        if self.seen is None:
            raise RuntimeError("last-column model: not fitted")
        logits = np.full((len(tokens), self.classes), UNSEEN_LOGIT)
        logits[:, self.seen] = 0.0
        if self.booster is not None:
            raw = self.booster.predict(
                self.features(tokens), raw_score=True, num_threads=torch.get_num_threads()
            ).reshape(len(tokens), -1)
            if raw.shape[1] == 1:  # binary: the logit of the second seen class against the first
                logits[:, self.seen[1]] = raw[:, 0]
            else:
                logits[:, self.seen] = raw
        return torch.from_numpy(logits).float().to(tokens.device)

    def to_text(self) -> str | None:
        """The fitted trees in LightGBM's text format (None when training had one class: no trees)."""
        if self.seen is None:
            raise RuntimeError("last-column model: not fitted")
        return self.booster.model_to_string() if self.booster is not None else None

    def load(self, seen: Sequence[int], text: str | None) -> None:
        """Restore a fitted model: its seen classes and the text of :meth:`to_text`."""
        seen = np.asarray(seen, dtype=np.int64).reshape(-1)
        if len(seen) == 0 or seen.min() < 0 or seen.max() >= self.classes or np.any(np.diff(seen) <= 0):
            raise ValueError(f"last-column model: seen classes {seen.tolist()} do not fit {self.classes} classes")
        if (text is None) != (len(seen) < 2):
            raise ValueError(f"last-column model: {len(seen)} seen classes, {'no' if text is None else 'a'} tree model")
        try:
            booster = lgb.Booster(model_str=text) if text is not None else None
        except lgb.basic.LightGBMError as error:
            raise ValueError(f"last-column model: not a LightGBM text model ({error})") from error
        if booster is not None and booster.num_model_per_iteration() != (1 if len(seen) == 2 else len(seen)):
            raise ValueError(f"last-column model: its trees do not predict {len(seen)} classes")
        self.seen, self.booster = seen, booster


def _labels(targets: torch.Tensor | np.ndarray) -> np.ndarray:
    targets = targets.cpu().numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)
    return targets.astype(np.int64)
