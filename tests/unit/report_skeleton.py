"""A small, complete quality report (JSON form) for tests of the gates and the typed report."""

from typing import Any

from twinforge.config.quality import QualitySpec
from twinforge.evaluation.models import QualityReport


def _attack(risk: float, **extra: Any) -> dict[str, Any]:
    return {
        "risk": risk, "risk_ci": [0.0, 0.0], "attack_rate": 0.1, "control_rate": 0.1, "baseline_rate": 0.05,
        "n_attacks": 50, "informative": False, **extra,
    }  # fmt: skip


def _quantiles(median: float) -> dict[str, float]:
    return {"p05": median / 2, "median": median, "mean": median}


def skeleton(**values: Any) -> dict[str, Any]:
    """Every section, with the numbers the gates read settable by name (shapes, dependence, auc, lift, exact, dcr,
    mia, singling_out, linkability, inference); gates not yet judged."""
    v = {
        "shapes": 0.95, "dependence": 0.8, "auc": 0.6, "lift": 0.9, "exact": 0.0, "dcr": 0.5, "mia": 0.01,
        "singling_out": 0.0, "linkability": 0.0, "inference": 0.0, **values,
    }  # fmt: skip
    return {
        "created_at": "2026-01-01T00:00:00+00:00",
        "twinforge_version": "0.0.0",
        "n_rows": {"train": 100, "holdout": 50, "synthetic": 100},
        "columns": {"x": "float", "y": "categorical"},
        "skipped_columns": {"id": "identifier"},
        "target": "y",
        "fidelity": {
            "overall_score": v["shapes"],
            "n_columns": 2,
            "n_rows": {"real": 100, "synthetic": 100},
            "columns": {
                "x": {
                    "kind": "float",
                    "metric": "ks",
                    "null_rate": {"real": 0.0, "synthetic": 0.0},
                    "ks": 0.05,
                    "wasserstein": None,
                    "n_values": {"real": 100, "synthetic": 100},
                    "extreme_share": {"real": 0.0, "synthetic": 0.0},
                    "distance_noise": 0.33,
                    "score": 0.95,
                },
                "y": {
                    "kind": "categorical",
                    "metric": "tvd",
                    "tvd": 0.05,
                    "null_rate": {"real": 0.0, "synthetic": 0.0},
                    "n_categories": {"real": 2, "synthetic": 2},
                    "categories_missing": 0,
                    "categories_invented": 0,
                    "bars": {"labels": ["a", "b"], "real": [0.5, 0.5], "synthetic": [0.45, 0.55]},
                    "n_values": {"real": 100, "synthetic": 100},
                    "distance_noise": 0.3,
                    "score": 0.95,
                },
            },  # fmt: skip
            "skipped": {"id": "identifier"},
            "correlation": {
                "columns": ["x"],
                "n_pairs": 0,
                "mean_abs_diff": None,
                "max_abs_diff": None,
                "worst_pair": None,
                "real": None,
                "synthetic": None,
            },  # fmt: skip
            "association": {
                "columns": ["x", "y"],
                "n_pairs": 1,
                "real": [[1.0, 0.3], [0.3, 1.0]],
                "synthetic": [[1.0, 0.25], [0.25, 1.0]],
                "dependence_score": v["dependence"],
                "mean_abs_diff": 0.05,
                "contingency_similarity": 0.9,
                "worst_pairs": [],
                "mean_real_association": 0.3,
            },  # fmt: skip
            "discriminator": {"auc": v["auc"], "rows_per_class": 100, "folds": 3},
        },
        "utility": {
            "target": "y",
            "task": "classification",
            "rows_without_target": {"train": 0, "holdout": 0, "synthetic": 0},
            "primary_metric": "roc_auc",
            "trtr": {"accuracy": 0.9, "macro_f1": 0.9, "roc_auc": 0.95},
            "tstr": {"accuracy": 0.85, "macro_f1": 0.85, "roc_auc": 0.9},
            "loss": 0.05,
            "lift_retained": v["lift"],
            "rows": {"trtr": 100, "tstr": 100, "test": 50},
        },  # fmt: skip
        "privacy": {
            "exact_matches": {
                "synthetic_share": v["exact"],
                "holdout_share": 0.0,
                "excess": v["exact"],
                "synthetic_duplicate_share": 0.0,
            },  # fmt: skip
            "distances": {
                "rows": {"train_reference": 100, "holdout_reference": 50, "synthetic_queries": 100},
                "dcr": {
                    "share_closer_to_train": 0.6,
                    "expected_share_if_unrelated": 0.66,
                    "balanced_share_closer_to_train": v["dcr"],
                    "synthetic_to_train": _quantiles(0.1),
                    "synthetic_to_holdout": _quantiles(0.1),
                    "holdout_to_train": _quantiles(0.1),
                    "share_at_zero": 0.0,
                    "holdout_share_at_zero": 0.0,
                    "histogram": {"edges": [0.0, 0.5, 1.0], "series": {"synthetic → train": [0.5, 0.5]}},
                },  # fmt: skip
                "nndr": {
                    "synthetic": _quantiles(0.8),
                    "holdout": _quantiles(0.8),
                    "histogram": {"edges": [0.0, 0.5, 1.0], "series": {"synthetic": [0.5, 0.5]}},
                },  # fmt: skip
                "membership": {
                    "auc": 0.5,
                    "advantage": v["mia"],
                    "rows_per_class": 50,
                    "synthetic_reference_rows": 100,
                },
            },
            "attacks": {
                "method": "anonymeter",
                "rows": {"train": 100, "control": 50, "synthetic": 100},
                "singling_out": {"univariate": _attack(v["singling_out"], mode="univariate")},
                "singling_out_risk": v["singling_out"],
                "linkability": _attack(v["linkability"], aux_columns=[["x"], ["y"]]),
                "inference": {"y": _attack(v["inference"], secret="y")},
                "inference_risk": v["inference"],
                "inference_worst_secret": "y",
            },
        },
        "settings": QualitySpec().model_dump(),
        "gates": {},
        "passed": True,
        "timings_seconds": {"fidelity": 0.1},
    }


def report_with(**values: Any) -> QualityReport:
    """The skeleton as a typed report (gates not judged: see twinforge.evaluation.gates.evaluate_gates)."""
    return QualityReport.model_validate(skeleton(**values))
