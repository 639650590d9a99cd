"""Command line: ``twinforge <command> ...``.

Each command is a ``_cmd_<name>(args) -> int`` function registered in
:func:`build_parser`; progress goes to stderr, errors too (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

import twinforge

GATES_FAILED_EXIT = 2  # `evaluate --strict`: a gate failed (1 stays "bad input")

# Errors a user can cause (bad paths, bad data, bad options, a missing key): reported without traceback.
_USER_ERRORS = (FileNotFoundError, ValueError, KeyError, pl.exceptions.PolarsError, RuntimeError)


# characters a terminal acts on instead of showing: C0 controls but tab and newline, DEL, C1 controls (U+009B is
# a CSI on its own), and the bidirectional overrides that reorder what is shown
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """``text`` with every character a terminal would act on written as an escape (``\\x1b``, ``\\u202e``): names
    of columns and files come from the data, and an escape sequence in one could retitle or clear the terminal."""
    return _TERMINAL_CONTROLS.sub(lambda m: ascii(m.group())[1:-1], str(text))


def say(*parts: object, file=None, **options) -> None:
    """``print`` for the command's own lines, with what they quote made :func:`shown`."""
    print(*(shown(part) for part in parts), file=file, **options)


def main(argv: Sequence[str] | None = None) -> int:
    from twinforge.io.permissions import os_reason, restrict_umask

    restrict_umask()  # outputs, quarantine files and models owner-only (0600), whatever the shell's umask
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = clobbering_problem(args) or unwritable_output(args)
    if problem is not None:
        say(f"twinforge {args.command_name}: error: {problem}", file=sys.stderr)
        return 1
    try:
        with _stopped_by_signals():
            return args.command(args)
    except Stopped as stop:  # outputs being written were removed on the way out (their writers' cleanup)
        say(
            f"twinforge {args.command_name}: stopped by {stop.signal_name}; nothing was left half-written",
            file=sys.stderr,
        )
        return 128 + stop.signal_number
    except _USER_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        if isinstance(error, pl.exceptions.PolarsError):  # polars messages can quote cell values
            message = f"{type(error).__name__} (its message is withheld because it may quote cell values)"
        say(f"twinforge {args.command_name}: error: {message}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 141
    except OSError as error:  # a file or folder the user may not read or write: one line, as for bad input
        where = f"{error.filename}: " if error.filename else ""
        say(f"twinforge {args.command_name}: error: {where}{os_reason(error)}", file=sys.stderr)
        return 1


class Stopped(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error of the command's
    """SIGTERM or SIGINT arrived: raised where the command was, so that its cleanup (partial outputs) runs."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.signal_name = signal.Signals(signal_number).name


@contextmanager
def _stopped_by_signals():
    """SIGTERM (timeout, docker stop, CI cancellation) and SIGINT (Ctrl-C) raise :class:`Stopped` while the
    command runs; the previous handlers come back after it. Only in the main thread (tests call main in others)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number, _frame):
        raise Stopped(number)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# the arguments that name files a command reads, and those it writes, with how an error names them
_INPUT_ARGUMENTS = {"input": "the input", "file": "the batch file", "train": "--train", "holdout": "--holdout",
                    "synthetic": "--synthetic", "spec": "--spec", "rules": "--rules"}  # fmt: skip
_OUTPUT_ARGUMENTS = {"out": "--out", "quarantine": "--quarantine", "report": "--report", "json": "--json",
                     "html": "--html", "save_model": "--save-model"}  # fmt: skip


def clobbering_problem(args: argparse.Namespace) -> str | None:
    """Why a command must not start: one of its outputs is one of its inputs or another output, by any name
    (``./``, a symbolic or hard link). Writing it would replace the real table, often the only copy."""

    def given(arguments: dict[str, str]) -> list[tuple[str, Path]]:
        return [(label, Path(p)) for name, label in arguments.items() if (p := getattr(args, name, None)) is not None]

    inputs, outputs = given(_INPUT_ARGUMENTS), given(_OUTPUT_ARGUMENTS)
    for i, (label, path) in enumerate(outputs):
        for other_label, other in [*inputs, *outputs[:i]]:
            if _same_file(path, other):
                return f"{label} ({path}) is also {other_label}: nothing was written (write it to another path)"
    return None


def _model_files() -> tuple[str, ...]:
    """What ``--save-model`` writes into its folder (imported only when asked: the model modules load torch)."""
    from twinforge.generators.persistence import MODEL_FILE, WEIGHTS_FILE
    from twinforge.synthesizer import FRAME_FILE

    return FRAME_FILE, MODEL_FILE, WEIGHTS_FILE


def unwritable_output(args: argparse.Namespace) -> str | None:
    """Why a command must not start: one of its outputs could not be written (a folder the user may not write).
    Said before any work, and before any output is written, so that a failure leaves nothing half-done (an
    ``--out`` twin without its ``--save-model``)."""
    from twinforge.io.permissions import write_problem

    for name in _OUTPUT_ARGUMENTS:
        path = getattr(args, name, None)
        files = _model_files() if name == "save_model" and path is not None else ()
        if path is not None and (problem := write_problem(path, folder=name == "save_model", files=files)) is not None:
            return f"{problem}: nothing was written"
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except RuntimeError:  # a loop of links (pathlib's word for it) is no file; unwritable_output names it
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twinforge", description="Privacy-safe synthetic twins of real tables.")
    parser.add_argument("--version", action="version", version=f"twinforge {twinforge.__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    synth = commands.add_parser(
        "synth",
        help="fit a generator on a table and write synthetic rows",
        description="Detects PII and applies the same default policy as `twinforge anonymize` before fitting "
        "(prints it: column -> action, never values); --no-anonymize opts out.",
    )
    synth.add_argument("input", type=Path, help="real table: .csv, .csv.gz, .tsv, .parquet, .jsonl")
    synth.add_argument("--model", help="generator model (default: the spec's, else copula)")
    synth.add_argument("--rows", type=_positive_int, required=True, help="number of synthetic rows")
    synth.add_argument(
        "--out", type=Path, required=True, help="synthetic table to write: .csv, .csv.gz, .parquet or .jsonl"
    )
    synth.add_argument("--seed", type=int, help="random seed (default: the spec's generator seed, else 0)")
    synth.add_argument(
        "--identifier",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column never to learn nor output, e.g. a patient id (repeatable)",
    )
    synth.add_argument(
        "--no-anonymize",
        action="store_true",
        help="fit on the table as read, without PII detection and the default policy (not recommended)",
    )
    synth.add_argument("--save-model", type=Path, metavar="DIR", help="also save the fitted model to DIR")
    synth.add_argument(
        "--condition",
        action=_EachNameOnce,
        default=[],
        metavar="COLUMN=VALUE",
        type=_assignment,
        help="only rows with this value, e.g. result=positive; COLUMN= asks for nulls (repeatable)",
    )
    synth.add_argument(
        "--rebalance",
        metavar="COLUMN=VALUE:SHARE[,VALUE:SHARE]",
        type=_rebalance,
        action=_Once,
        help="exact shares for levels of one column, e.g. result=positive:0.3 (given once: one column)",
    )
    synth.add_argument("--epochs", type=_positive_int, help="training epochs (neural models)")
    synth.add_argument(
        "--max-fit-seconds",
        type=_positive_float,
        metavar="SECONDS",
        help="end training after the epoch that passes this time budget, keeping the best weights (neural models)",
    )
    synth.add_argument("--device", help="auto (default), cpu or cuda[:N] (neural models)")
    synth.add_argument(
        "--dp-epsilon",
        type=_positive_float,
        metavar="EPSILON",
        help="train with differential privacy within this ε (gan, vae, transformer; sets the dp parameter's epsilon)",
    )
    synth.add_argument(
        "--param",
        action=_EachNameOnce,
        default=[],
        metavar="NAME=VALUE",
        type=_assignment,
        help="any other model parameter, VALUE as JSON, e.g. batch_size=256 (repeatable)",
    )
    synth.add_argument("--no-progress", action="store_true", help="no progress bars")
    synth.add_argument(
        "--rules",
        type=Path,
        metavar="RULES.yaml",
        help="business rules every synthetic row meets (the spec's `rules:` syntax; see docs/rules.md)",
    )
    synth.add_argument(
        "--spec",
        type=Path,
        help="dataset spec (YAML): its source/ingest options, column policies, privacy settings, generator, "
        "rules and process columns apply (options given here win)",
    )
    _add_on_bad_rows(synth)
    synth.set_defaults(command=_cmd_synth, command_name="synth")

    anonymize = commands.add_parser(
        "anonymize",
        help="detect PII in a table and apply an anonymization policy",
        description="Detect PII (column names and content) and apply the spec's policy, or with no spec the safe "
        "defaults: direct identifiers dropped, dates of birth to the year, postcodes to 3 characters, free text "
        "masked. Prints the detection report (types, confidence, shares; never values). Pseudonymisation needs "
        "TWINFORGE_PSEUDONYM_KEY in the environment.",
    )
    anonymize.add_argument(
        "input", type=Path, help="table: .csv, .csv.gz, .parquet, .jsonl (or a database with --spec)"
    )
    anonymize.add_argument(
        "--out",
        type=Path,
        required=True,
        help="anonymized table to write: .csv, .csv.gz, .parquet or .jsonl (list columns: not CSV)",
    )
    anonymize.add_argument(
        "--spec", type=Path, help="dataset spec (YAML) whose columns, ingest and privacy settings apply"
    )
    anonymize.add_argument("--report", type=Path, metavar="JSON", help="also write the full report as JSON")
    anonymize.add_argument(
        "--quarantine",
        type=Path,
        metavar="FILE",
        help="set bad rows aside (as --on-bad-rows quarantine) and write them here; owner-only, may hold raw values",
    )
    _add_on_bad_rows(anonymize)
    anonymize.set_defaults(command=_cmd_anonymize, command_name="anonymize")

    ingest_batch = commands.add_parser(
        "ingest-batch",
        help="add a file of new real data as the next batch of a dataset",
        description="Copies FILE into the dataset's landing folder under the state folder ($TWINFORGE_HOME) and "
        "records it as a new batch, as a production feed would. The running Dagster daemon's new-batch sensor "
        "then ingests and anonymizes it and measures its drift; drift beyond the spec's threshold triggers a "
        "retrain. The file is checked first (readable, non-empty, the dataset's columns and types): a file that "
        "fails registers nothing and exits 1. Adding the same content twice adds nothing.",
    )
    ingest_batch.add_argument("dataset", help="dataset name (the spec's `name`)")
    ingest_batch.add_argument("file", type=Path, help="the batch: .csv, .csv.gz, .parquet or .jsonl")
    ingest_batch.add_argument(
        "--specs",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of dataset specs (default: $TWINFORGE_SPECS, else the project's pipelines/datasets)",
    )
    ingest_batch.add_argument(
        "--home", type=Path, default=None, help="state folder (default: $TWINFORGE_HOME, else the project's .twinforge)"
    )
    ingest_batch.set_defaults(command=_cmd_ingest_batch, command_name="ingest-batch")

    batches = commands.add_parser(
        "batches",
        help="list a dataset's batches with their status; withdraw one, reinstate it, or approve a held one",
        description="Lists the dataset's batches in arrival order with their status. --withdraw takes a batch out "
        "of every future training window (recorded with its reason, never deleted). --approve releases a batch "
        "held by its drift assessment: it trains from the next window on, and the drift sensor requests a retrain. "
        "--reinstate takes a withdrawal back (recorded).",
    )
    batches.add_argument("dataset", help="dataset name (the spec's `name`)")
    batches.add_argument("--withdraw", metavar="BATCH", help="batch id to take out of every future training window")
    batches.add_argument(
        "--approve", metavar="BATCH", help="batch id of a held batch to release into training (requests a retrain)"
    )
    batches.add_argument(
        "--reinstate", metavar="BATCH", help="batch id of a withdrawn batch to make active again (recorded)"
    )
    batches.add_argument("--reason", default="", help="why (recorded with --withdraw, --approve or --reinstate)")
    for parser_ in (batches,):
        parser_.add_argument(
            "--specs", type=Path, default=None, metavar="DIR",
            help="folder of dataset specs (default: $TWINFORGE_SPECS, else the project's pipelines/datasets)",
        )  # fmt: skip
        parser_.add_argument(
            "--home", type=Path, default=None,
            help="state folder (default: $TWINFORGE_HOME, else the project's .twinforge)",
        )  # fmt: skip
    batches.set_defaults(command=_cmd_batches, command_name="batches")

    rules = commands.add_parser("rules", help="business rules: suggest candidates from a table")
    rules_commands = rules.add_subparsers(title="rules commands", required=True, metavar="ACTION")
    suggest = rules_commands.add_parser(
        "suggest",
        help="print candidate rules with their support in a table",
        description="Prints candidate rules in the spec's `rules:` syntax, each with its support (share of rows "
        "meeting it): orderings between number or date columns, unique columns, functional dependencies "
        "(fixed_combinations), null_if patterns, formulas a == b * c and a == b + c. Review them before use: "
        "a rule that holds by chance in a sample is not a business rule.",
    )
    suggest.add_argument("input", type=Path, help="table: .csv, .csv.gz, .parquet, .jsonl")
    suggest.add_argument(
        "--min-support", type=float, default=0.99, help="least share of rows a candidate holds in (default: 0.99)"
    )
    suggest.add_argument("--json", type=Path, metavar="OUT.json", help="also write the candidates as JSON")
    _add_on_bad_rows(suggest)
    suggest.set_defaults(command=_cmd_rules_suggest, command_name="rules suggest")

    status = commands.add_parser(
        "status",
        help="a dataset's batches, model versions with their verdicts, champion and last drift verdicts",
        description="Reads the state folder and the MLflow store: batches (status, ingested, anonymized and "
        "quarantined row counts), every model version with its check and gate verdicts and promotion, the "
        "champion, and the last batch drift reports. Counts and verdicts only, never a value. "
        "With no DATASET: every dataset of the specs folder.",
    )
    status.add_argument("dataset", nargs="?", help="dataset name (the spec's `name`); default: all")
    status.add_argument(
        "--specs", type=Path, default=None, metavar="DIR",
        help="folder of dataset specs (default: $TWINFORGE_SPECS, else the project's pipelines/datasets)",
    )  # fmt: skip
    status.add_argument(
        "--home", type=Path, default=None,
        help="state folder (default: $TWINFORGE_HOME, else the project's .twinforge)",
    )  # fmt: skip
    status.add_argument(
        "--tracking-uri", metavar="URI", help="MLflow tracking URI (default: the state folder's SQLite store)"
    )
    status.set_defaults(command=_cmd_status, command_name="status")
    evaluate = commands.add_parser(
        "evaluate",
        help="score a synthetic table: fidelity, utility, privacy and the promotion gates",
        description="Compare a synthetic table with the training table it was made from and a holdout it never "
        "saw. Exit status 0 whether or not the gates pass (the verdict is in the output), unless --strict: then "
        f"{GATES_FAILED_EXIT} when a gate fails (for CI); 1 for bad input.",
    )
    evaluate.add_argument("--train", type=Path, required=True, help="the generator's training table")
    evaluate.add_argument("--holdout", type=Path, required=True, help="real rows the generator never saw")
    evaluate.add_argument("--synthetic", type=Path, required=True, help="the synthetic table")
    evaluate.add_argument("--target", metavar="COLUMN", help="column to predict for the utility score (TSTR vs TRTR)")
    evaluate.add_argument("--html", type=Path, metavar="OUT.html", help="write the report page here")
    evaluate.add_argument("--json", type=Path, metavar="OUT.json", help="write every metric and gate here")
    evaluate.add_argument(
        "--identifier",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column never compared, e.g. a patient id (repeatable)",
    )
    evaluate.add_argument(
        "--spec",
        type=Path,
        metavar="SPEC.yaml",
        help="dataset spec for column kinds and roles, target, quality settings / gates, process columns and rules",
    )
    evaluate.add_argument(
        "--rules",
        type=Path,
        metavar="RULES.yaml",
        help="business rules to judge (the spec's `rules:` syntax; default: the spec's): each rule's violation rate "
        "in the training and the synthetic rows",
    )
    _add_on_bad_rows(evaluate)
    evaluate.add_argument(
        "--strict", action="store_true", help=f"exit with status {GATES_FAILED_EXIT} when any gate fails (for CI)"
    )
    evaluate.set_defaults(command=_cmd_evaluate, command_name="evaluate")
    return parser


def _add_on_bad_rows(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--on-bad-rows",
        choices=("fail", "quarantine"),
        help="records that cannot be used (as the spec's ingest.on_bad_rows): fail (default) or set them aside, "
        "counted",
    )


def _read_input(path: Path, spec=None, on_bad_rows: str | None = None, partial: bool = False):
    """A table read as the pipeline reads it (reader, null tokens, typing, record accounting), with the
    spec's source and ingest options and its column kinds and formats when one is given (a spec naming a column
    the table lacks is refused unless ``partial``: a table anonymization took columns from); the counts and the
    commonest quarantine reasons are printed. Every command reads its input here (``anonymize`` too)."""
    from twinforge.config.spec import IngestSpec, SourceSpec
    from twinforge.io.ingest import ingest_source

    source = spec.source if spec is not None else SourceSpec(path=path)
    options = spec.ingest if spec is not None else IngestSpec()
    if on_bad_rows is not None:
        options = options.model_copy(update={"on_bad_rows": on_bad_rows})
    with _step(f"reading {path}") as done:
        columns = spec.columns if spec is not None else {}
        ingested = ingest_source(source, columns, options, path=path, partial=partial)
        done(f"{ingested.rows_out:,} rows x {ingested.table.width} columns ({ingested.counts()})")
    for line in _quarantine_reasons(ingested.quarantine):
        say(line, file=sys.stderr)  # beside the reading step's counts
    return ingested.refuse_empty()  # every record set aside: an error (exit 1), never an empty output


def _quarantine_reasons(quarantine: pl.DataFrame, shown: int = 3) -> list[str]:
    """The commonest reasons rows were quarantined, with their columns and counts (reasons never quote a value):
    a file in another encoding, or a column of another type, is said, not only counted."""
    if quarantine.is_empty():
        return []
    groups = quarantine.group_by("column", "reason").len().sort("len", "column", descending=[True, False])
    lines = ["  quarantined rows, by reason:"]
    for column, reason, count in groups.head(shown).iter_rows():
        lines.append(f"    {count:,} x {f'column {column!r}: ' if column else ''}{reason}")
    if groups.height > shown:
        lines.append(f"    ... {groups.height - shown} more reason(s): write them with --quarantine FILE")
    return lines


def _batch_store(args: argparse.Namespace, writing: bool = True):
    """The dataset's batch store; ``writing``: its state folder is made (owner-only) for the command to write in.
    A command that only reads leaves the folder as it is: it may be a read-only copy, or another user's."""
    from twinforge.config.spec import load_specs
    from twinforge.io.batches import BatchStore
    from twinforge.io.state import StateLayout, existing_project_home, resolve_project_home, resolve_specs_dir

    specs_dir = resolve_specs_dir(args.specs)
    specs = {s.name: s for s in load_specs(specs_dir)}
    if args.dataset not in specs:
        raise ValueError(f"no dataset {args.dataset!r} in {specs_dir} (datasets: {', '.join(sorted(specs)) or 'none'})")
    home = resolve_project_home(args.home) if writing else existing_project_home(args.home)
    layout = StateLayout.at(home).check_folder()
    return BatchStore(specs[args.dataset], layout.ensure() if writing else layout)


def _cmd_ingest_batch(args: argparse.Namespace) -> int:
    store = _batch_store(args)
    batch, added = store.add(args.file)
    if added:
        say(f"added batch {batch.batch_id} of {args.dataset} from {args.file}")
        say(f"  state folder: {store.layout.home}")
        say(f"  landing copy: {batch.path}")
        say(
            "  next: the Dagster daemon's new-batch sensor ingests it, anonymizes it and measures its drift "
            f"(see `twinforge batches {args.dataset}`; the daemon must use this state folder)"
        )
    elif batch.status == "withdrawn":  # a feed re-sending it must notice: these rows will never train
        reason = batch.history[-1]["reason"] if batch.history else ""
        say(
            f"{args.file} is already batch {batch.batch_id} of {args.dataset}, which is withdrawn"
            f"{f' ({reason})' if reason else ''}: nothing added. `twinforge batches {args.dataset} --reinstate "
            f"{batch.batch_id}` takes the withdrawal back"
        )
        return 1
    else:
        state = (
            "" if batch.status == "active" else f", which is {batch.status} (see `twinforge batches {args.dataset}`)"
        )
        say(f"{args.file} is already batch {batch.batch_id} of {args.dataset}{state}: nothing added")
    return 0


def _say_versions_trained_on(store, batch_id: str, args: argparse.Namespace) -> None:
    from twinforge.status import ingested_active_batches, versions_trained_on, withdrawn_champion_problem

    try:
        trained, champion = versions_trained_on(store.spec, store.layout, batch_id)
    except ValueError as error:  # a store that does not exist: said, never created
        say(f"the model versions trained on it could not be listed: {error}")
        return
    except Exception as error:  # noqa: BLE001 - MLflow raises several types for a store it cannot read
        say(
            f"the model versions trained on it could not be listed ({type(error).__name__}): `twinforge status` shows them"
        )
        return
    if not trained:
        say("no model version was trained on it")
        return
    say(f"model versions trained on it: {', '.join(v.version for v in trained)}")
    for version in trained:
        if version.version == champion:
            withdrawn = store.withdrawn_among(version.training_batches)
            replaceable = bool(ingested_active_batches(store.spec, store.layout))
            say(withdrawn_champion_problem(args.dataset, champion, withdrawn, replaceable))


def _unpublish_withdrawn(store, args: argparse.Namespace) -> None:
    from twinforge.io.publish import LATEST, unpublish_withdrawn

    layout, name = store.layout, args.dataset
    gone = unpublish_withdrawn(layout.published_dir(name), layout.unpublished_dir(name), store.withdrawn_among)
    if not gone.days:
        return
    unrecorded = f" ({len(gone.unrecorded)} of them with no record of their model)" if gone.unrecorded else ""
    say(
        f"unpublished {len(gone.days)} daily twin(s) sampled from models trained on a withdrawn batch{unrecorded}: "
        f"{', '.join(gone.days)}, moved to {layout.unpublished_dir(name)}; "
        + (f"{LATEST} is now the twin of {gone.latest}" if gone.latest else f"no twin is left: {LATEST} is removed")
    )


def _cmd_batches(args: argparse.Namespace) -> int:
    actions = sum(bool(action) for action in (args.withdraw, args.approve, args.reinstate))
    if actions > 1:
        raise SystemExit("twinforge batches: --withdraw, --approve and --reinstate are exclusive: give one")
    if args.reason and not actions:  # a reason with nothing to record it with is not silently dropped
        raise SystemExit("twinforge batches: --reason is recorded with --withdraw, --approve or --reinstate: give one")
    store = _batch_store(args, writing=actions > 0)  # a listing only reads: it creates and chmods nothing
    if args.withdraw:
        try:
            batch = store.withdraw(args.withdraw, args.reason)
        except ValueError:
            _unpublish_withdrawn(store, args)  # a sweep an interrupted withdrawal left undone is finished
            raise
        say(f"withdrew batch {batch.batch_id} of {args.dataset}: it is in no future training window")
        _say_versions_trained_on(store, batch.batch_id, args)
        _unpublish_withdrawn(store, args)
    if args.approve:
        batch = store.approve(args.approve, args.reason)
        say(
            f"approved batch {batch.batch_id} of {args.dataset}: it is active again; the drift sensor requests "
            "one retrain with it in the training window"
        )
    if args.reinstate:
        batch = store.reinstate(args.reinstate, args.reason)
        say(f"reinstated batch {batch.batch_id} of {args.dataset}: it is active again, in the next training window")
    # the manifest as it is, without its lock: it is replaced whole (renamed into place), so a reader sees it
    # before or after a concurrent writer's change, never half of it
    batches = store.list()
    if not batches:
        say(
            f"no batch of {args.dataset} recorded in {store.layout.home} yet: the spec's source becomes batch "
            "`initial` on the first run (or the first `twinforge ingest-batch`)"
        )
        return 0
    say(f"{'batch':<34} {'status':<10} {'added (UTC)':<20} source")
    for b in batches:
        source = b.original_name or ("the spec's source" if b.origin == "spec" else "")
        say(f"{b.batch_id:<34} {b.status:<10} {b.added_at[:19]:<20} {source}")
        if b.status != "active" and b.history:
            say(f"{'':<34} {b.history[-1]['reason'] or 'no reason given'}")
    return 0


def _cmd_anonymize(args: argparse.Namespace) -> int:
    import json

    from twinforge.config.spec import PrivacySpec, load_spec
    from twinforge.io.tables import table_format, write_table
    from twinforge.privacy.anonymize import anonymize_table, pseudonym_key_from_env
    from twinforge.privacy.k_anonymity import SUPPRESSION_REASON

    table_format(args.out)  # fail on a bad output name before any work
    spec = load_spec(args.spec) if args.spec else None
    columns = spec.columns if spec else {}
    on_bad_rows = args.on_bad_rows or ("quarantine" if args.quarantine else None)  # --quarantine FILE asks for it
    ingested = _read_input(args.input, spec, on_bad_rows=on_bad_rows)
    with _step("detecting PII and applying the policy") as done:
        result = anonymize_table(
            ingested.table,
            columns,
            spec.privacy if spec else PrivacySpec(),
            key=pseudonym_key_from_env(),
            schema=ingested.schema,
            level_min_count=spec.generator.rare_min_count if spec else None,
        )
        keep_raw = spec.ingest.keep_raw if spec else False
        ingested = ingested.set_aside(result.suppressed_rows, SUPPRESSION_REASON, keep_values=keep_raw)
        suppressed = f"; {len(result.suppressed_rows):,} rows suppressed for k" if result.k_enforcement else ""
        done(f"{len(result.report.columns_with('drop'))} columns dropped, {result.table.width} kept{suppressed}")
    privacy = result.privacy
    say(result.detection.format_table())
    say()
    _print_policy(result)
    if privacy.quasi_identifiers:
        say(
            f"k-anonymity over {privacy.quasi_identifiers}: smallest class {privacy.k_min}, "
            f"{privacy.rows_below_k} rows in classes below k={privacy.k}"
        )
    if args.report:
        from twinforge.io.permissions import write_private_text

        write_private_text(
            args.report,
            json.dumps(
                {
                    "rows": {
                        "in": ingested.rows_in,
                        "out": result.table.height,
                        "quarantined": ingested.rows_quarantined,
                    },
                    "detection": result.detection.to_dict(),
                    "policy": {c: a.to_dict() for c, a in result.policy.items()},
                    "privacy": privacy.to_dict(),
                    "k_enforcement": result.k_enforcement.to_dict() if result.k_enforcement else None,
                    "profile": result.profile.to_dict() if result.profile else None,
                    "quarantine_reasons": ingested.quarantine_reasons(),
                    "lines_in": ingested.lines_in,
                    "non_finite": ingested.non_finite,
                },
                indent=2,
            ),
        )
    if args.quarantine and ingested.rows_quarantined:
        from twinforge.io.permissions import make_private

        write_table(ingested.quarantine, args.quarantine)
        make_private(args.quarantine)  # it may hold raw values
    if not (privacy.k_passed and privacy.l_passed) and (privacy.k_required or privacy.l is not None):
        say(
            f"twinforge anonymize: error: the spec's privacy.k / privacy.l are not met; {args.out} not written",
            file=sys.stderr,
        )
        return 1
    if result.table.width == 0:
        say(
            f"twinforge anonymize: error: the policy dropped every column (see above); {args.out} not written",
            file=sys.stderr,
        )
        return 1
    with _step(f"writing {args.out}") as done:
        write_table(_as_written(result.table, ingested.written_forms, args.out), args.out)
        done(f"{result.table.height:,} rows x {result.table.width} columns")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from twinforge.config.spec import load_spec
    from twinforge.encoders.kinds import DEFAULT_RARE_MIN_COUNT
    from twinforge.generators import check_spec_params, generator_class
    from twinforge.generators.training import with_declared_dp_domains
    from twinforge.io.tables import table_format, write_table_chunks
    from twinforge.rules import load_rules
    from twinforge.synthesizer import MIN_TRAINING_ROWS, Synthesizer

    # Fail on a bad output name, spec, rules file, model or parameter before any work.
    table_format(args.out)
    spec = load_spec(args.spec) if args.spec is not None else None
    if spec is not None:
        check_spec_params(spec)
    rules = load_rules(args.rules) if args.rules is not None else (spec.rule_list() if spec else None)
    model = args.model or (spec.generator.model if spec else "copula")
    seed = args.seed if args.seed is not None else (spec.generator.seed if spec else 0)
    params = {
        **(spec.generator.params if spec and model == spec.generator.model else {}),
        **_model_params(args, generator_class(model)),
    }
    conditions = dict(args.condition)
    rebalance = dict([args.rebalance]) if args.rebalance else None

    ingested = _read_input(args.input, spec, on_bad_rows=args.on_bad_rows)
    real = ingested.table
    identifiers = [*args.identifier, *(spec.identifiers if spec else [])]
    if args.no_anonymize:
        say(
            "twinforge synth: warning: --no-anonymize: fitting on the table as read; any PII in it can reach "
            "the synthetic rows and the saved model",
            file=sys.stderr,
        )
    else:
        learned = int(params.get("rare_min_count", DEFAULT_RARE_MIN_COUNT))  # the levels the model will learn
        real = _anonymize_for_synth(real, identifiers, spec, ingested.schema, learned)
        identifiers = [c for c in identifiers if c in real.columns]
    if rules:
        _check_rule_columns(rules, real, args.rules or args.spec)
    # before fitting: a column to condition on or rebalance that the (anonymized) table lacks is known now
    asked = {f"--condition {name}=": name for name, _ in args.condition}
    if rebalance:
        asked[f"--rebalance {args.rebalance[0]}="] = args.rebalance[0]
    missing = [option for option, name in asked.items() if name not in real.columns]
    if missing:
        raise KeyError(
            f"{', '.join(missing)}: no such column in {args.input} as fitted (columns: {', '.join(real.columns)})"
        )
    if real.height < MIN_TRAINING_ROWS:
        raise ValueError(
            f"{args.input}: {real.height:,} row{'s' if real.height != 1 else ''} to learn from; synth needs at least "
            f"{MIN_TRAINING_ROWS} (fitted on fewer, a generator can only give the real records back)"
        )
    schema = spec.schema_for(real) if spec else None
    if spec is not None:  # the spec's declared public bounds and levels serve DP as they do in the pipeline
        params = with_declared_dp_domains(params, spec, schema)
    synthesizer = Synthesizer(model=model, seed=seed, **params)
    early_stopping = getattr(synthesizer.generator, "validation_fraction", 0) > 0
    with (
        _step(f"fitting {model} on {real.height:,} rows") as done,
        _EpochBar(args.no_progress, early_stopping) as bar,
    ):
        synthesizer.fit(
            real,
            schema=schema,
            identifiers=identifiers,
            progress=bar.update,
            process_columns=spec.process_columns if spec else None,
            column_options=spec.column_options_for(schema) if spec else None,
            rules=rules or None,
            anonymize=False,  # done above, with the spec's policy (or not at all with --no-anonymize)
        )
        skipped = synthesizer.skipped_columns
        summary = synthesizer.generator.fit_summary
        if summary.get("epochs_run"):
            done(f"{summary['epochs_run']} epochs (stopped by {summary.get('stopped_by', 'epochs')})")
        if skipped:
            done(f"skipped {', '.join(f'{k} ({v})' for k, v in skipped.items())}")
        # a DP fit's columns left null (nothing of them stood out of the noise; logged while fitting)
        unplaced = (summary.get("dp") or {}).get("null_columns")
        if unplaced:
            done(f"warning: DP statistics left {', '.join(unplaced)} null (declare bounds or categories; see above)")
    fitted_rules = synthesizer.generator.rules  # a rule the real rows break was logged by fit
    with _step(f"sampling {args.rows:,} rows into {args.out}") as done:
        # chunk by chunk, each written as it is made: memory holds one chunk, however many rows
        chunks = _chunks_with_bar(synthesizer.generator, args.rows, conditions, rebalance, args.no_progress)
        chunks = (_as_written(chunk, ingested.written_forms, args.out) for chunk in chunks)
        written = write_table_chunks(chunks, args.out, expected_rows=args.rows)
        done(f"{written:,} rows" + (f", {len(fitted_rules.rules)} rules met" if fitted_rules else ""))
    if args.save_model is not None:
        from twinforge.io.permissions import could_not

        with _step(f"saving model to {args.save_model}") as done:
            try:
                synthesizer.save(args.save_model)
            except OSError as error:  # checked writable at the start: changed since (or the disk filled up)
                raise ValueError(
                    f"{could_not('write', args.save_model, error)}; {args.out} was written, the model was not saved"
                ) from None
            except RuntimeError:  # torch's writer, whose message names no file
                raise ValueError(
                    f"could not write the weights into {args.save_model}; {args.out} was written, the model was "
                    "not saved"
                ) from None
            done("")
    return 0


def _check_rule_columns(rules, real: pl.DataFrame, origin: Path) -> None:
    """A rule naming a column the (anonymized) table lacks, or whose types do not fit the table's, is an error naming
    the file, the rule and the column, before any fitting."""
    from twinforge.rules import RuleError

    try:
        rules.check_columns(real.columns)
        rules.check_dtypes(real.schema)
    except RuleError as error:
        raise RuleError(f"{origin}: {error}") from None


def _cmd_rules_suggest(args: argparse.Namespace) -> int:
    from twinforge.rules.suggest import format_suggestions, suggest_rules

    if not 0.0 < args.min_support <= 1.0:
        raise ValueError(f"--min-support must be in (0, 1], got {args.min_support}")
    from twinforge.privacy.anonymize import default_policy

    table = _read_input(args.input, on_bad_rows=args.on_bad_rows).table
    with _step("detecting PII: the columns the default policy drops") as done:
        dropped = {c: a.reason for c, a in default_policy(table).items() if a.action == "drop"}
        done(", ".join(dropped) or "none")
    with _step("looking for candidate rules") as done:
        suggestions = suggest_rules(table, min_support=args.min_support, dropped=dropped)
        left_out = sum(s.left_out is not None for s in suggestions)
        done(f"{len(suggestions)} candidates" + (f", {left_out} left out (listed as comments)" if left_out else ""))
    say(format_suggestions(suggestions))
    if args.json is not None:
        from twinforge.io.permissions import write_private_text

        write_private_text(args.json, json.dumps([s.to_dict() for s in suggestions], indent=1))
    return 0


def _shareable_path(path: Path) -> str:
    """``path`` as a report meant for sharing may show it: withheld when a part of it holds personal data (a file
    or folder named by an e-mail address), as ``ingest-batch`` refuses such names."""
    from twinforge.io.readers import file_name_problem

    found = next((entity for part in path.parts if (entity := file_name_problem(part))), None)
    return str(path) if found is None else f"(a path withheld: its name holds personal data, {found})"


def _anonymize_for_synth(
    real: pl.DataFrame, identifiers: list[str], spec=None, schema=None, level_min_count: int | None = None
) -> pl.DataFrame:
    """The table after the same detection and policy as `twinforge anonymize` (the spec's, else the defaults)."""
    from twinforge.privacy.anonymize import apply_default_policy

    with _step("detecting PII and applying the " + ("spec's policy" if spec else "default policy")) as done:
        result = apply_default_policy(
            real,
            identifiers,
            spec.columns if spec else None,
            spec.privacy if spec else None,
            schema=schema,
            level_min_count=level_min_count,
        )
        done(f"{len(result.report.columns_with('drop'))} columns dropped, {result.table.width} kept")
    _print_policy(result)
    return result.table


def _print_policy(result) -> None:
    """Column -> action (and why), never a value."""
    say("policy:")
    for column, action in result.policy.items():
        params = f" {action.params}" if action.params else ""
        say(f"  {column:<24} {action.action}{params}  ({action.reason})")
    if result.profile is not None:
        say("\n".join(result.profile.format_lines()))
    if result.k_enforcement is not None:
        e = result.k_enforcement
        say(f"k-anonymity enforced (k={e.k}): generalization steps {e.levels}; {e.rows_suppressed} rows suppressed")


def _left_out_by_policy(train: pl.DataFrame, synthetic: pl.DataFrame, identifiers: list[str], spec) -> list[str]:
    """The training columns absent from the synthetic table that the privacy policy drops (the spec's, else the
    default one ``synth`` applies): left out of the comparison as identifiers are, and said; other absent columns
    are scored (and fail the fidelity gates), with a hint."""
    absent = [c for c in train.columns if c not in synthetic.columns and c not in identifiers]
    if not absent:
        return []
    if spec is not None:
        dropped = [c for c in absent if c in spec.columns and spec.columns[c].anonymize == "drop"]
        dropped += [c for c in absent if c in spec.identifiers and c not in dropped]
    else:
        from twinforge.privacy.anonymize import default_policy

        policy = default_policy(train.select(absent))
        dropped = [c for c in absent if c in policy and policy[c].action == "drop"]
    if dropped:
        say(f"left out of the comparison: {', '.join(dropped)} (the privacy policy drops them, as synth does)")
    others = [c for c in absent if c not in dropped]
    if others:
        say(
            f"not in the synthetic table: {', '.join(others)} (scored as missing; pass --identifier NAME for a "
            "column left out on purpose)"
        )
    return dropped


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from twinforge.config.spec import load_spec
    from twinforge.encoders.kinds import DEFAULT_RARE_MIN_COUNT
    from twinforge.evaluation import evaluate, write_report_html, write_report_json
    from twinforge.io.schema import infer_schema
    from twinforge.io.typing_rules import number_kinds
    from twinforge.rules import fit_rules, load_rules

    spec = load_spec(args.spec) if args.spec is not None else None
    rules = load_rules(args.rules) if args.rules is not None else (spec.rule_list() if spec else None)
    tables = {}
    for name in ("train", "holdout", "synthetic"):
        # typed by the spec's column kinds, as the pipeline types them; a synthetic or training table lacks the
        # columns anonymization dropped, so the spec's columns are not all required
        tables[name] = _read_input(getattr(args, name), spec, args.on_bad_rows, partial=True).table
    train = tables["train"]
    missing = [c for c in args.identifier if c not in train.columns]
    if missing:
        raise KeyError(f"--identifier names columns not in {args.train}: {missing}")
    identifiers = [*args.identifier, *_left_out_by_policy(train, tables["synthetic"], args.identifier, spec)]
    process = None
    if spec is not None:
        from twinforge.generators.training import fitted_process

        schema = spec.schema_for(train, extra_identifiers=identifiers)
        target, secrets, quality = args.target or spec.target, spec.inference_secrets, spec.quality
        process = fitted_process(spec, train)  # judged against the spec's distributions, as training fits them
    else:
        schema = infer_schema(train, overrides=number_kinds(train), identifiers=identifiers)
        target, secrets, quality = args.target, [args.target] if args.target else [], None
    fitted_rules = None
    if rules:
        _check_rule_columns(rules, train, args.rules or args.spec)
        rare_min_count = spec.generator.rare_min_count if spec else DEFAULT_RARE_MIN_COUNT
        fitted_rules = fit_rules(rules, train, schema, rare_min_count=rare_min_count)
    with _step("evaluating fidelity, utility and privacy") as done:
        report = evaluate(
            train, tables["holdout"], tables["synthetic"], schema, target=target, secrets=secrets, quality=quality,
            process=process, rules=fitted_rules,
        )  # fmt: skip
        done(", ".join(f"{k} {v:.1f} s" for k, v in report.timings_seconds.items()))
    if args.json is not None:
        write_report_json(report, args.json)
    if args.html is not None:
        write_report_html(
            report,
            args.html,
            title=f"Quality of {_shareable_path(Path(args.synthetic.name))}",
            subtitle=f"synthetic {_shareable_path(args.synthetic)} vs train {_shareable_path(args.train)} and holdout "
            f"{_shareable_path(args.holdout)}",
        )
    gates = report.gates
    say(f"gates: {'PASSED' if report.passed else 'FAILED'} ({len(gates) - len(gates.failed)} of {len(gates)} passed)")
    for name, gate in gates.items():
        value = "not measured" if gate.value is None else f"{gate.value:.4f}"
        bound = ">=" if gate.direction == "min" else "<="
        why = f"; {'not applicable: ' if not gate.applicable else ''}{gate.reason}" if gate.reason else ""
        say(f"  {'ok  ' if gate.passed else 'FAIL'} {name}: {value} (threshold {bound} {gate.threshold}){why}")
    if report.rules is not None:
        say(_rules_summary(report.rules))
    for label, path in (("report", args.html), ("metrics", args.json)):
        if path is not None:
            say(f"{label}: {path}")
    if args.strict and not report.passed:
        say(f"twinforge evaluate: gates failed: {', '.join(report.failed_gates)} (--strict)", file=sys.stderr)
        return GATES_FAILED_EXIT
    return 0


def _rules_summary(rules) -> str:
    """One line: how many rules, and those the synthetic rows break with their rates (a rule whose column the
    synthetic table lacks is said too)."""
    broken = [
        f"{r.rule.split(' ')[0]} {'(a column is missing)' if r.synthetic_violation_rate is None else f'{r.synthetic_violation_rate:.1%}'}"
        for r in rules.rules
        if r.synthetic_violation_rate is None or r.synthetic_violation_rate > 0
    ]
    said = f"broken by synthetic rows: {', '.join(broken)}" if broken else "every synthetic row meets every rule"
    return f"rules: {len(rules.rules)} declared; {said} (per rule in the report)"


def _cmd_status(args: argparse.Namespace) -> int:
    from twinforge.config.spec import load_specs
    from twinforge.io.state import StateLayout, existing_project_home, resolve_specs_dir
    from twinforge.status import dataset_status, format_status

    specs_dir = resolve_specs_dir(args.specs)
    specs = {s.name: s for s in load_specs(specs_dir)}
    if args.dataset is not None and args.dataset not in specs:
        raise ValueError(f"no dataset {args.dataset!r} in {specs_dir} (datasets: {', '.join(sorted(specs)) or 'none'})")
    if not specs:
        say(f"no dataset specs in {specs_dir}: add one (see docs) to start")
        return 0
    layout = StateLayout.at(existing_project_home(args.home)).check_folder()
    say(f"state folder: {layout.home}" + ("" if layout.home.is_dir() else " (empty: nothing has run yet)"))
    for name in [args.dataset] if args.dataset else sorted(specs):
        say()
        say(format_status(dataset_status(specs[name], layout, args.tracking_uri)))
    return 0


def _model_params(args: argparse.Namespace, cls: type) -> dict:
    """Model parameters from --epochs / --max-fit-seconds / --device / --param; the transformer puts conditioned
    columns first."""
    accepted = cls.param_names()
    params = {name: _json_value(value) for name, value in args.param}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    if args.max_fit_seconds is not None:
        params["max_fit_seconds"] = args.max_fit_seconds
    if args.device is not None:
        params["device"] = args.device
    if args.dp_epsilon is not None:
        if "dp" not in accepted:
            raise ValueError(f"model {cls.name!r} has no differentially private training (--dp-epsilon)")
        params["dp"] = {**(params.get("dp") or {}), "epsilon": args.dp_epsilon}
    cls.check_params(params)
    if "condition_columns" in accepted and "condition_columns" not in params:
        columns = [name for name, _ in args.condition] + ([args.rebalance[0]] if args.rebalance else [])
        if columns:  # native conditioning: these columns lead the generation order
            params["condition_columns"] = list(dict.fromkeys(columns))
    return params


class _EpochBar:
    """A tqdm bar over training epochs, created on the first epoch (models without epochs show none)."""

    def __init__(self, disabled: bool, early_stopping: bool = False):
        self.disabled, self.bar, self.early_stopping = disabled, None, early_stopping

    def update(self, report) -> None:
        if self.disabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            # with early stopping the epoch count is a cap, not a plan: no time left is projected from it
            shape = "{desc}: {n_fmt} of at most {total_fmt} [{elapsed}, {rate_fmt}{postfix}]"
            self.bar = tqdm(
                total=report.epochs, desc="  epochs", unit="epoch", file=sys.stderr, leave=False,
                bar_format=shape if self.early_stopping else None,
            )  # fmt: skip
        self.bar.update(1)
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in report.losses.items()}, refresh=False)

    def __enter__(self) -> _EpochBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _as_written(table: pl.DataFrame, forms: dict, out: Path) -> pl.DataFrame:
    """``table`` for the file ``out``: in a CSV, the columns a spreadsheet form was read from ("5/17/2024",
    "$1,610.16") written in that form again (:mod:`twinforge.io.written_forms`); Parquet and JSON Lines keep
    the typed values."""
    from twinforge.io.tables import table_format
    from twinforge.io.written_forms import render

    return render(table, forms) if forms and table_format(out).startswith("csv") else table


def _chunks_with_bar(generator, rows: int, conditions: dict, rebalance: dict | None, disabled: bool):
    """The sample's chunks, counted on a progress bar (rows, rate, time left) as they are made."""
    from tqdm import tqdm

    # default chunk size: the rows written are exactly those Synthesizer.load(...).sample(rows) gives
    with tqdm(total=rows, desc="  rows", unit="row", file=sys.stderr, leave=False, disable=disabled) as bar:
        for chunk in generator.sample_chunks(rows, conditions=conditions or None, rebalance=rebalance):
            bar.update(chunk.height)
            yield chunk


@contextmanager
def _step(label: str) -> Iterator:
    """Print ``label ...`` then ``done`` with any detail and the seconds taken."""
    say(f"{label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    details: list[str] = []
    yield details.append
    detail = "; ".join(d for d in details if d)
    say(f"  done in {time.perf_counter() - started:.2f} s{': ' + detail if detail else ''}", file=sys.stderr)


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
        if sep and not level:  # --condition COLUMN= means null; a rebalanced share is a value's
            raise argparse.ArgumentTypeError(
                f"an empty level in {text!r}: rebalancing sets the shares of values, and nulls keep theirs"
            )
        if sep and level in shares:
            raise argparse.ArgumentTypeError(
                f"level {level!r} is given twice in {name}=...; give each level's share once"
            )
        try:
            shares[level] = float(share)
        except ValueError:
            sep = ""
        if not sep:
            raise argparse.ArgumentTypeError(f"expected COLUMN=VALUE:SHARE[,VALUE:SHARE], got {text!r}")
    return name, shares


class _Once(argparse.Action):
    """An option that may be given once (``--rebalance`` sets the shares of one column): a second is an error,
    never silently the only one kept."""

    def __call__(self, parser, namespace, values, option_string=None):
        previous = getattr(namespace, self.dest, None)
        if previous is not None:
            parser.error(
                f"{option_string} is given twice ({previous[0]!r}, then {values[0]!r}): it sets the shares of one "
                "column's levels, all in one option (COLUMN=VALUE:SHARE,VALUE:SHARE); fix other columns' values "
                "with --condition"
            )
        setattr(namespace, self.dest, values)


class _EachNameOnce(argparse.Action):
    """A repeatable ``NAME=VALUE`` option whose names differ: a name given twice is an error, never silently
    the last value kept (two conditions on one column cannot both hold)."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = list(getattr(namespace, self.dest, None) or [])
        if any(name == values[0] for name, _ in given):
            what = "parameter" if option_string == "--param" else "column"
            parser.error(f"{option_string} names {what} {values[0]!r} twice; give each {what} once")
        setattr(namespace, self.dest, [*given, values])


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


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
