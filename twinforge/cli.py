"""Command line: ``twinforge <command> ...``.

Each command is a ``_cmd_<name>(args) -> int`` function registered in
:func:`build_parser`; progress goes to stderr, errors too (exit status 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import polars as pl

import twinforge

# Errors a user can cause (bad paths, bad data, bad options): reported in one line, no traceback.
_USER_ERRORS = (FileNotFoundError, ValueError, KeyError, pl.exceptions.PolarsError)  # SpecError is a ValueError


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
    synth.set_defaults(command=_cmd_synth, command_name="synth")

    evaluate = commands.add_parser(
        "evaluate",
        help="score a synthetic table: fidelity, utility, privacy and the promotion gates",
        description="Compare a synthetic table with the training table it was made from and a holdout it never "
        "saw. Exit status 0 whether or not the gates pass (the verdict is in the output); 1 for bad input.",
    )
    evaluate.add_argument("--train", type=Path, required=True, help="the generator's training table")
    evaluate.add_argument("--holdout", type=Path, required=True, help="real rows the generator never saw")
    evaluate.add_argument("--synthetic", type=Path, required=True, help="the synthetic table")
    evaluate.add_argument("--target", metavar="COLUMN", help="column to predict for the utility score (TSTR vs TRTR)")
    evaluate.add_argument("--html", type=Path, metavar="OUT.html", help="write the report page here")
    evaluate.add_argument("--json", type=Path, metavar="OUT.json", help="write every metric and gate here")
    evaluate.add_argument("--identifier", action="append", default=[], metavar="COLUMN",
                          help="column never compared, e.g. a patient id (repeatable)")
    evaluate.add_argument("--spec", type=Path, metavar="SPEC.yaml",
                          help="dataset spec for column kinds and roles, target and quality settings / gates")
    evaluate.set_defaults(command=_cmd_evaluate, command_name="evaluate")
    return parser


def _cmd_synth(args: argparse.Namespace) -> int:
    from twinforge.generators import generator_class
    from twinforge.synthesizer import Synthesizer
    from twinforge.tabular_io import read_table, table_format, write_table

    # Fail on a bad output name or model before any work.
    table_format(args.out)
    generator_class(args.model)

    with _step(f"reading {args.input}") as done:
        real = read_table(args.input)
        done(f"{real.height:,} rows x {real.width} columns")
    synthesizer = Synthesizer(model=args.model, seed=args.seed)
    with _step(f"fitting {args.model} on {real.height:,} rows") as done:
        synthesizer.fit(real, identifiers=args.identifier)
        skipped = synthesizer.skipped_columns
        done(f"skipped {', '.join(f'{k} ({v})' for k, v in skipped.items())}" if skipped else "")
    with _step(f"sampling {args.rows:,} rows") as done:
        synthetic = synthesizer.sample(args.rows)
        done(f"{synthetic.width} columns")
    with _step(f"writing {args.out}") as done:
        write_table(synthetic, args.out)
        done(f"{synthetic.height:,} rows")
    if args.save_model is not None:
        with _step(f"saving model to {args.save_model}") as done:
            synthesizer.save(args.save_model)
            done("")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from twinforge.evaluation import evaluate, failed_gates, write_report_html, write_report_json
    from twinforge.schema import infer_schema
    from twinforge.spec import load_spec
    from twinforge.tabular_io import read_table

    spec = load_spec(args.spec) if args.spec is not None else None
    tables = {}
    for name in ("train", "holdout", "synthetic"):
        path = getattr(args, name)
        with _step(f"reading {name} {path}") as done:
            tables[name] = read_table(path)
            done(f"{tables[name].height:,} rows x {tables[name].width} columns")
    train = tables["train"]
    if spec is not None:
        schema = spec.schema_for(train)
        target, secrets, quality = args.target or spec.target, spec.inference_secrets, spec.quality
    else:
        schema = infer_schema(train, identifiers=args.identifier)
        target, secrets, quality = args.target, [args.target] if args.target else [], None
    with _step("evaluating fidelity, utility and privacy") as done:
        report = evaluate(train, tables["holdout"], tables["synthetic"], schema, target=target, secrets=secrets,
                          quality=quality)
        done(", ".join(f"{k} {v:.1f} s" for k, v in report["timings_seconds"].items()))
    if args.json is not None:
        write_report_json(report, args.json)
    if args.html is not None:
        write_report_html(report, args.html, title=f"Quality of {args.synthetic.name}",
                          subtitle=f"synthetic {args.synthetic} vs train {args.train} and holdout {args.holdout}")
    failed = failed_gates(report)
    print(f"gates: {'PASSED' if report['passed'] else 'FAILED'} "
          f"({len(report['gates']) - len(failed)} of {len(report['gates'])} passed)")
    for name, gate in report["gates"].items():
        value = "not measured" if gate["value"] is None else f"{gate['value']:.4f}"
        bound = ">=" if gate["direction"] == "min" else "<="
        print(f"  {'ok  ' if gate['passed'] else 'FAIL'} {name}: {value} (threshold {bound} {gate['threshold']})")
    for label, path in (("report", args.html), ("metrics", args.json)):
        if path is not None:
            print(f"{label}: {path}")
    return 0


@contextmanager
def _step(label: str) -> Iterator:
    """Print ``label ...`` then ``done`` with any detail and the seconds taken."""
    print(f"{label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    details: list[str] = []
    yield details.append
    detail = "; ".join(d for d in details if d)
    print(f"  done in {time.perf_counter() - started:.2f} s{': ' + detail if detail else ''}", file=sys.stderr)


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
