"""Command line: ``twinforge <command> ...``.

Each command is a ``_cmd_<name>(args) -> int`` function registered in
:func:`build_parser`; progress goes to stderr, errors too (exit status 1).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import polars as pl

import twinforge

# Errors a user can cause (bad paths, bad data, bad options, unmeetable conditions): one line, no traceback.
_USER_ERRORS = (FileNotFoundError, ValueError, KeyError, pl.exceptions.PolarsError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except _USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"twinforge {args.command_name}: error: {message}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twinforge", description="Privacy-safe synthetic twins of real tables.")
    parser.add_argument("--version", action="version", version=f"twinforge {twinforge.__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    synth = commands.add_parser("synth", help="fit a generator on a table and write synthetic rows")
    synth.add_argument("input", type=Path, help="real table: .csv, .csv.gz, .parquet or .pq")
    synth.add_argument("--model", default="copula", help="generator model (default: copula)")
    synth.add_argument("--rows", type=_positive_int, required=True, help="number of synthetic rows")
    synth.add_argument("--out", type=Path, required=True, help="synthetic table to write (format by extension)")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    synth.add_argument("--identifier", action="append", default=[], metavar="COLUMN",
                       help="column never to learn nor output, e.g. a patient id (repeatable)")
    synth.add_argument("--save-model", type=Path, metavar="DIR", help="also save the fitted model to DIR")
    synth.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE", type=_assignment,
                       help="only rows with this value, e.g. result=positive; COLUMN= asks for nulls (repeatable)")
    synth.add_argument("--rebalance", metavar="COLUMN=VALUE:SHARE[,VALUE:SHARE]", type=_rebalance,
                       help="exact shares for levels of one column, e.g. result=positive:0.3")
    synth.add_argument("--epochs", type=_positive_int, help="training epochs (neural models)")
    synth.add_argument("--device", help="auto (default), cpu or cuda[:N] (neural models)")
    synth.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", type=_assignment,
                       help="any other model parameter, VALUE as JSON, e.g. batch_size=256 (repeatable)")
    synth.add_argument("--no-progress", action="store_true", help="no progress bars")
    synth.set_defaults(command=_cmd_synth, command_name="synth")
    return parser


def _cmd_synth(args: argparse.Namespace) -> int:
    from twinforge.generators import generator_class
    from twinforge.synthesizer import Synthesizer
    from twinforge.tabular_io import read_table, table_format, write_table

    # Fail on a bad output name, model or parameter before any work.
    table_format(args.out)
    params = _model_params(args, generator_class(args.model))
    conditions = dict(args.condition)
    rebalance = dict([args.rebalance]) if args.rebalance else None

    with _step(f"reading {args.input}") as done:
        real = read_table(args.input)
        done(f"{real.height:,} rows x {real.width} columns")
    synthesizer = Synthesizer(model=args.model, seed=args.seed, **params)
    with _step(f"fitting {args.model} on {real.height:,} rows") as done, _EpochBar(args.no_progress) as bar:
        synthesizer.fit(real, identifiers=args.identifier, progress=bar.update)
        skipped = synthesizer.skipped_columns
        done(f"skipped {', '.join(f'{k} ({v})' for k, v in skipped.items())}" if skipped else "")
    with _step(f"sampling {args.rows:,} rows") as done:
        synthetic = _sample_with_bar(synthesizer, args.rows, conditions, rebalance, args.no_progress)
        done(f"{synthetic.width} columns")
    with _step(f"writing {args.out}") as done:
        write_table(synthetic, args.out)
        done(f"{synthetic.height:,} rows")
    if args.save_model is not None:
        with _step(f"saving model to {args.save_model}") as done:
            synthesizer.save(args.save_model)
            done("")
    return 0


def _model_params(args: argparse.Namespace, cls: type) -> dict:
    """Model parameters from --epochs / --device / --param; the transformer puts conditioned columns first."""
    accepted = inspect.signature(cls.__init__).parameters
    params = {name: _json_value(value) for name, value in args.param}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    if args.device is not None:
        params["device"] = args.device
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        options = ", ".join(p for p in accepted if p not in ("self", "seed"))
        raise ValueError(f"model {cls.name!r} has no parameter {', '.join(unknown)} (its parameters: {options})")
    if "condition_columns" in accepted and "condition_columns" not in params:
        columns = [name for name, _ in args.condition] + ([args.rebalance[0]] if args.rebalance else [])
        if columns:  # native conditioning: these columns lead the generation order
            params["condition_columns"] = list(dict.fromkeys(columns))
    return params


class _EpochBar:
    """A tqdm bar over training epochs, created on the first epoch (models without epochs show none)."""

    def __init__(self, disabled: bool):
        self.disabled, self.bar = disabled, None

    def update(self, report) -> None:
        if self.disabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=report.epochs, desc="  epochs", unit="epoch", file=sys.stderr, leave=False)
        self.bar.update(1)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in report.losses.items()}, refresh=False)

    def __enter__(self) -> "_EpochBar":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _sample_with_bar(synthesizer, rows: int, conditions: dict, rebalance: dict | None, disabled: bool):
    from tqdm import tqdm

    generator = synthesizer.generator
    chunks = []
    # default chunk size: the rows written are exactly those Synthesizer.load(...).sample(rows) gives
    with tqdm(total=rows, desc="  rows", unit="row", file=sys.stderr, leave=False, disable=disabled) as bar:
        for chunk in generator.sample_chunks(rows, conditions=conditions or None, rebalance=rebalance):
            chunks.append(chunk)
            bar.update(chunk.height)
    sample = pl.concat(chunks, how="vertical") if len(chunks) > 1 else chunks[0]
    return synthesizer.convert(sample)


@contextmanager
def _step(label: str) -> Iterator:
    """Print ``label ...`` then ``done`` with any detail and the seconds taken."""
    print(f"{label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    details: list[str] = []
    yield details.append
    detail = "; ".join(d for d in details if d)
    print(f"  done in {time.perf_counter() - started:.2f} s{': ' + detail if detail else ''}", file=sys.stderr)


def _assignment(text: str) -> tuple[str, str | None]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, (value if value != "" else None)


def _rebalance(text: str) -> tuple[str, dict[str, float]]:
    name, value = _assignment(text)
    shares = {}
    for part in (value or "").split(","):
        level, sep, share = part.rpartition(":")
        try:
            shares[level] = float(share)
        except ValueError:
            sep = ""
        if not sep:
            raise argparse.ArgumentTypeError(f"expected COLUMN=VALUE:SHARE[,VALUE:SHARE], got {text!r}")
    return name, shares


def _json_value(text: str | None):
    try:
        return json.loads(text) if text is not None else None
    except json.JSONDecodeError:
        return text  # a bare word, e.g. device=cpu


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
