"""Score synthetic tables with mostlyai-qa, an independent judge (run in its own venv: ``benchmarks/.venvs/qa``).

Per synthetic table, against the real train split (and the holdout, for the reference values):

* ``qa_accuracy``: mostlyai-qa's overall accuracy (the mean of its univariate, bivariate and, where
  computed, trivariate accuracies: one minus half the total variation distance of binned margins),
  with ``qa_univariate``, ``qa_bivariate`` and ``qa_trivariate``;
* ``qa_accuracy_max``: the same accuracy of the holdout against the train split, the ceiling a perfect
  twin of that size would reach;
* ``qa_dcr_share``: its distance-to-closest-record share (0.5 is ideal);
* ``qa_discriminator_auc``: its discriminator AUC between train and synthetic embeddings (0.5 is ideal).

The HTML reports are written to ``--reports`` when given. Prints one JSON line (path -> scores).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from evaluate import align, read_scored  # the same rows, columns and dtypes as the SDMetrics scoring

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)


def score(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, report_path: Path) -> dict:
    from mostlyai import qa

    qa_random_state()  # per table: a table's scores do not depend on which tables were scored before it
    _, metrics = qa.report(
        syn_tgt_data=synthetic,
        trn_tgt_data=train,
        hol_tgt_data=holdout,
        report_path=report_path,
        report_title=report_path.stem,
    )
    accuracy, similarity, distances = metrics.accuracy, metrics.similarity, metrics.distances

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(float(value), 4)

    return {
        "qa_accuracy": rounded(accuracy.overall),
        "qa_univariate": rounded(accuracy.univariate),
        "qa_bivariate": rounded(accuracy.bivariate),
        "qa_trivariate": rounded(accuracy.trivariate),
        "qa_accuracy_max": rounded(accuracy.overall_max),
        "qa_dcr_share": rounded(distances.dcr_share),
        "qa_discriminator_auc": rounded(similarity.discriminator_auc_training_synthetic),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--holdout", required=True)
    parser.add_argument("--score-rows", type=int, help="score seeded samples of at most this many rows")
    parser.add_argument("--reports", type=Path, help="write each table's HTML report into this folder")
    parser.add_argument("synthetic", nargs="+")
    args = parser.parse_args()

    def read(path: str) -> pd.DataFrame:
        return read_scored(path, args.score_rows)

    train, holdout = read(args.train), read(args.holdout)
    results = {}
    with tempfile.TemporaryDirectory(prefix="twinforge-qa-") as tmp:
        reports = args.reports or Path(tmp)
        reports.mkdir(parents=True, exist_ok=True)
        for path in args.synthetic:
            try:
                synthetic = align(read(path), train)
                results[path] = score(train, holdout, synthetic, reports / f"{Path(path).stem}.html")
            except Exception as error:  # one engine's odd output must not lose the others' scores
                results[path] = {"qa_error": f"{type(error).__name__}: {str(error)[:200]}"}
    print(json.dumps(results))


def qa_random_state() -> None:
    """Seed mostlyai-qa's sampling and discriminator (its scores vary a little from run to run otherwise)."""
    from mostlyai.qa.random_state import set_random_state

    set_random_state(0)


if __name__ == "__main__":
    main()
