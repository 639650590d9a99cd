"""anonymeter's own risks for tables written to a folder: the reference twinforge's attacks are compared with.

    PYTHONPATH=benchmarks/.venvs/anonymeter-pkgs python benchmarks/anonymeter_reference.py FOLDER

``make anonymeter`` installs anonymeter 1.1.0 (and numba, llvmlite) into that folder with ``--no-deps``, beside
twinforge's own numpy, pandas, polars and scikit-learn (docs/privacy.md says why that works). FOLDER holds
``train.parquet``, ``control.parquet``, one ``<name>.parquet`` per synthetic table and ``meta.json``:
``{"synthetic": [names], "n_attacks": int, "max_attempts": int, "seed": int, "aux_columns": [[...], [...]],
"secrets": [columns]}``. One JSON line goes to stdout: per synthetic table and attack, anonymeter's risk (clipped to
[0, 1], as it reports it), its 95 % interval, the half-width before clipping (``error``) and, for singling out,
the counts behind it. Used by ``tests/integration/test_anonymeter_agreement.py`` and
``benchmarks/anonymeter_crosscheck.py``; imports nothing from twinforge.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

CONFIDENCE = 0.95


def _scored(evaluator, **counts) -> dict:
    from anonymeter.stats.confidence import residual_success

    results = evaluator.results(confidence_level=CONFIDENCE)
    risk = results.risk()
    residual = residual_success(results.attack_rate, results.control_rate)
    return {"risk": risk.value, "risk_ci": list(risk.ci), "error": residual.error, **counts}


def reference_risks(folder: Path) -> dict:
    import numpy as np
    import pandas as pd
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    meta = json.loads((folder / "meta.json").read_text())
    train, control = pd.read_parquet(folder / "train.parquet"), pd.read_parquet(folder / "control.parquet")
    n_attacks, seed, secrets = meta["n_attacks"], meta["seed"], meta["secrets"]
    out = {}
    for name in meta["synthetic"]:
        synthetic = pd.read_parquet(folder / f"{name}.parquet")
        started = time.perf_counter()
        risks = {}
        for mode in ("univariate", "multivariate"):
            evaluator = SinglingOutEvaluator(
                ori=train,
                syn=synthetic,
                control=control,
                n_attacks=n_attacks,
                max_attempts=meta["max_attempts"],
                seed=seed,
            ).evaluate(mode=mode)
            risks[f"singling_out_{mode}"] = _scored(
                evaluator, n_success=evaluator._n_success, control_count=float(evaluator._n_control)
            )
        # linkability and inference draw their targets with pandas' sample, i.e. numpy's global generator
        np.random.seed(seed)
        link = LinkabilityEvaluator(
            ori=train,
            syn=synthetic,
            control=control,
            n_attacks=n_attacks,
            aux_cols=tuple(meta["aux_columns"]),
            n_neighbors=1,
        ).evaluate(n_jobs=1)
        risks["linkability"] = _scored(link)
        for k, secret in enumerate(secrets):
            np.random.seed(seed + 1 + k)
            aux = [c for c in train.columns if c != secret]
            inference = InferenceEvaluator(
                ori=train, syn=synthetic, control=control, aux_cols=aux, secret=secret, n_attacks=n_attacks
            ).evaluate(n_jobs=1)
            risks[f"inference_{secret}"] = _scored(inference)
        risks["seconds"] = round(time.perf_counter() - started, 2)
        out[name] = risks
    return out


def main() -> int:
    # anonymeter warns when it finds fewer predicates than requested or an attack no better than guessing;
    # both are part of what is compared, not errors
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.WARNING)
    print(json.dumps(reference_risks(Path(sys.argv[1]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
