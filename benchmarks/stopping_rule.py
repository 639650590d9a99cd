"""How a generator's early-stopping rule trades fit time for quality.

    PYTHONPATH=. .venv/bin/python benchmarks/stopping_rule.py --table gss_wages --epochs 60 \
        --score-epochs 5 10 15 20 30 40 60 --min-deltas 1e-4 5e-4 1e-3 2e-3
    PYTHONPATH=. .venv/bin/python benchmarks/stopping_rule.py --model vae --table males --epochs 200 \
        --patiences 15 10 5 --min-deltas 1e-4 1e-3

Fits the transformer (or the ``vae``) once (one torch thread) with early stopping off, keeping a copy of the
weights that would be kept at every epoch (the transformer's: the moving average that is validated). Then, for
each ``--min-deltas`` value and each ``--patiences`` value (default: the model's patience), replays the
validation losses through :class:`EarlyStopping` and reports the epoch it would stop at and the epoch whose weights it would keep;
samples as many rows as the training split holds from the weights of ``--score-epochs`` (and of every
epoch a rule keeps) and scores each sample with ``evaluate.py`` in the SDV environment
(``TWINFORGE_SDV_PYTHON``). Prints one JSON line per scored epoch and one per rule; the fit's seconds
per epoch give each rule's fit time.

Tune on the development tables only (``DEV_TABLES``, ``LARGE_DEV_TABLES``); a benchmark table run here is for the
one confirmation after a choice, never for choosing.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import SDV_PYTHON  # noqa: E402
from tables import DEV_TABLES, LARGE_DEV_TABLES, LARGE_TABLES, VALIDATION_TABLES  # noqa: E402


def replay(losses: list[float], patience: int, min_delta: float) -> tuple[int, int, int]:
    """(stop epoch, kept epoch, lowest-loss epoch until the stop) of :class:`EarlyStopping` over per-epoch
    validation ``losses``."""
    from twinforge.generators.torch_base import EarlyStopping

    stopper = EarlyStopping(patience, min_delta=min_delta)
    stop = len(losses)
    for epoch, loss in enumerate(losses, start=1):
        if stopper.update(loss, epoch):
            stop = epoch
            break
    lowest = min(range(stop), key=lambda e: losses[e]) + 1
    return stop, stopper.best_epoch, lowest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--table",
        required=True,
        help="a table of DEV_TABLES, LARGE_DEV_TABLES or VALIDATION_TABLES (LARGE_TABLES: to confirm)",
    )
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=("transformer", "vae"), default="transformer")
    parser.add_argument("--params", default="{}", help="JSON params of the model")
    parser.add_argument("--patiences", type=int, nargs="*", help="patiences replayed (default: the model's)")
    parser.add_argument("--score-epochs", type=int, nargs="*", default=[5, 10, 20, 40])
    parser.add_argument("--min-deltas", type=float, nargs="*", default=[1e-4, 1e-3])
    parser.add_argument("--score-rows", type=int, default=20_000, help="rows scored per table (evaluate.py)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from twinforge.generators.transformer import TransformerGenerator
    from twinforge.generators.vae import VaeGenerator
    from twinforge.io.schema import infer_schema

    tables = {t.name: t for t in DEV_TABLES + LARGE_DEV_TABLES + VALIDATION_TABLES + LARGE_TABLES}
    if args.table not in tables:
        parser.error(f"unknown table {args.table!r}; known: {', '.join(tables)}")
    table = tables[args.table]
    params = json.loads(args.params)
    snapshots: list[dict[str, torch.Tensor]] = []

    class RecordingTransformer(TransformerGenerator):
        def _validation_loss(self, validation, net):
            snapshots.append({"net": copy.deepcopy(net.state_dict())})
            return super()._validation_loss(validation, net)

    class RecordingVae(VaeGenerator):
        def _report_epoch(self, epoch, epochs, losses):
            nets = {"encoder_net": self.encoder_net, "decoder_net": self.decoder_net}
            snapshots.append({name: copy.deepcopy(net.state_dict()) for name, net in nets.items()})
            return super()._report_epoch(epoch, epochs, losses)

    recording = RecordingTransformer if args.model == "transformer" else RecordingVae
    generator = recording(seed=args.seed, epochs=args.epochs, patience=args.epochs + 1, **params)
    train_df, holdout_df = table.split()
    started = time.perf_counter()
    generator.fit(train_df, infer_schema(train_df))
    fit_s = time.perf_counter() - started
    losses = [h["validation_loss"] for h in generator.loss_history]
    patiences = args.patiences or [int(params.get("patience", recording.default_patience))]
    rules = {(p, d): replay(losses, p, d) for p in patiences for d in args.min_deltas}
    per_epoch_s = fit_s / len(losses)
    line = {"table": table.name, "model": args.model, "fit_s": round(fit_s, 1), "epochs": len(losses)}
    print(json.dumps(line), flush=True)
    kept_epochs = {e for _, kept, lowest in rules.values() for e in (kept, lowest)}
    epochs = sorted({e for e in args.score_epochs if e <= len(losses)} | kept_epochs)
    with tempfile.TemporaryDirectory(prefix="stopping-") as tmp:
        train, holdout = Path(tmp) / "train.parquet", Path(tmp) / "holdout.parquet"
        train_df.write_parquet(train)
        holdout_df.write_parquet(holdout)
        outs = []
        for epoch in epochs:
            for name, state in snapshots[epoch - 1].items():
                getattr(generator, name).load_state_dict(state)
            out = Path(tmp) / f"epoch-{epoch}.parquet"
            generator.sample(train_df.height, seed=args.seed + 1).write_parquet(out)
            outs.append(out)
        proc = subprocess.run(
            [SDV_PYTHON, str(HERE / "evaluate.py"), "--train", str(train), "--holdout", str(holdout)]
            + ["--target", table.target, "--score-rows", str(args.score_rows), *map(str, outs)],
            capture_output=True,
            text=True,
            check=True,
        )
    scores = json.loads(proc.stdout.strip().splitlines()[-1])
    keys = ("quality", "column_shapes", "column_pair_trends", "utility_ratio", "dcr_share")
    by_epoch = {}
    for epoch, out in zip(epochs, outs):
        by_epoch[epoch] = {k: scores[str(out)][k] for k in keys}
        line = {"table": table.name, "epoch": epoch, "validation_loss": round(losses[epoch - 1], 5)}
        print(json.dumps(line | by_epoch[epoch]), flush=True)
    for (patience, min_delta), (stop, kept, lowest) in rules.items():
        rule = f"patience {patience}, min_delta {min_delta:g}"
        for keeps, epoch in (("best by min_delta", kept), ("lowest loss", lowest)):
            line = {"table": table.name, "rule": rule, "keeps": keeps, "stop_epoch": stop, "kept_epoch": epoch}
            line |= {"fit_s_estimate": round(stop * per_epoch_s, 1), **by_epoch[epoch]}
            print(json.dumps(line), flush=True)
    print(json.dumps({"table": table.name, "validation_losses": [round(v, 5) for v in losses]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
