"""A fitted generator saved and loaded as plain data.

A saved generator is a directory with

* ``model.json``: generator name, params, seed, twinforge version, schema,
  table encoder, fit summary, the parameters of any process columns
  (:class:`twinforge.process.ProcessModel`) and the business rules with what they learned (if any);
* ``weights.pt``: a torch ``state_dict`` (tensors only), read back with
  ``torch.load(..., weights_only=True)``;
* ``<name>.txt``: each model a generator keeps as text (the transformer's last-column trees, in
  LightGBM's text format), listed in ``model.json`` under ``text_models``;
* any other file a caller saves with it (``Synthesizer.save``'s ``synthesizer.json``).

Nothing is ever pickled. ``model.json`` is removed first and written last, and it holds the SHA-256 of every
other file (``files``): a save that was interrupted leaves no ``model.json``, and files of two saves into one
folder (at once, or one interrupted over an older model) do not load as one model.

A model saved with parameters this twinforge does not take (an older or newer
version's) is refused with a message saying so.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import pickle  # only for pickle.UnpicklingError, what torch.load(weights_only=True) raises on a bad file
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.overrides import TorchFunctionMode

import twinforge
from twinforge.encoders import TableEncoder
from twinforge.io.permissions import make_private, write_private, write_private_text
from twinforge.io.schema import TableSchema
from twinforge.process import ProcessModel
from twinforge.rules import FittedRules, RuleError

if TYPE_CHECKING:
    from twinforge.generators.base import Generator

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.pt"
# 2: ``files``, the SHA-256 of every file beside model.json
FORMAT_VERSION = 2
# names of text models: they become file names
_TEXT_NAME = re.compile(r"[A-Za-z0-9_]+")


def save_generator(generator: Generator, directory: str | Path, extra_texts: Mapping[str, str] | None = None) -> Path:
    """Write a fitted ``generator`` to ``directory`` (created if need be), with the text files ``extra_texts``
    (file name: text) beside it; :func:`load_generator` reads it, :func:`load_saved` also the extra texts."""
    if not generator.is_fitted:
        raise RuntimeError(f"{type(generator).__name__} is not fitted: nothing to save")
    directory = Path(directory)
    description = {
        "format_version": FORMAT_VERSION,
        "generator": generator.name,
        "params": generator.params,
        "seed": generator.seed,
        "twinforge_version": twinforge.__version__,
        "schema": generator.schema.to_dict(),
        "transformer": generator.encoder.to_dict(),
        "fit_summary": generator.fit_summary,
    }
    if generator.process:
        description["process_columns"] = generator.process.to_dict()
    if generator.rules is not None:
        description["rules"] = generator.rules.to_dict()
    texts = generator.text_state()
    if texts:
        bad = [name for name in texts if not _TEXT_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"text model names must be letters, digits and underscores, got {bad}")
        description["text_models"] = sorted(texts)
    state = {k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}
    weights = io.BytesIO()
    torch.save(state, weights)
    contents = {WEIGHTS_FILE: weights.getvalue()}
    contents |= {f"{name}.txt": text.encode() for name, text in texts.items()}
    for name, text in (extra_texts or {}).items():
        if name in contents or name == MODEL_FILE or Path(name).name != name:
            raise ValueError(f"cannot save an extra file named {name!r} with a model")
        contents[name] = text.encode()
    description["files"] = {name: _digest(data) for name, data in contents.items()}
    created = [p for p in (directory, *directory.parents) if not p.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    for folder in created:  # owner-only whatever the umask; a folder that was there is the user's, left as it is
        make_private(folder)
    # no model.json while the other files are replaced: a save cut short leaves a folder that does not load
    (directory / MODEL_FILE).unlink(missing_ok=True)
    for name, data in contents.items():
        write_private(directory / name, lambda target, data=data: target.write_bytes(data))
    write_private_text(directory / MODEL_FILE, json.dumps(description, indent=1))
    return directory


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _NoInitOnMeta(TorchFunctionMode):
    """Skips ``torch.nn.init``'s fills of meta tensors: they have no values to fill, and torch would import its
    compiler (seconds) to run them."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        target = args[0] if args else kwargs.get("tensor")
        if getattr(func, "__module__", None) == "torch.nn.init" and isinstance(target, torch.Tensor) and target.is_meta:
            return target
        return func(*args, **kwargs)


def _load_on_meta(generator: Generator, state: dict[str, torch.Tensor]) -> None:
    """Load ``state`` into a copy of ``generator`` whose networks are made on torch's meta device (shapes, no
    memory). The sizes in ``model.json`` (layer widths, column counts, categories) decide how much memory the
    networks take; an edited description asking for many gigabytes fails here, on its shapes, before the real
    load makes anything that size."""
    probe = copy.deepcopy(generator)
    with warnings.catch_warnings(), torch.device("meta"), _NoInitOnMeta():
        warnings.filterwarnings("ignore", message=".*copying from a non-meta parameter.*")  # the point here
        probe.load_state_dict(state)


class _FieldError(ValueError):
    """A field of ``model.json`` missing or of the wrong JSON type."""


class _LayoutError(_FieldError):
    """``model.json`` written in another layout (``format_version``) than this twinforge reads."""


# the fields read as JSON objects (optional ones may be absent)
_OBJECT_FIELDS = ("params", "schema", "transformer", "files")
_OPTIONAL_OBJECT_FIELDS = ("process_columns", "rules", "fit_summary")
_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def _check_fields(description: Any) -> None:
    """_FieldError naming the first top-level field that is not what :func:`save_generator` writes; a
    _LayoutError for another ``format_version``: a future layout read as this one would sample silently wrong."""
    if not isinstance(description, dict):
        raise _FieldError(f"the file must hold an object, got {_json_type(description)}")
    version = description.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise _LayoutError(f"field 'format_version' is {version!r}: this twinforge reads format {FORMAT_VERSION}")
    if not isinstance(description.get("generator"), str):
        raise _FieldError(f"field 'generator' must be a string, got {_json_type(description.get('generator'))}")
    for field in (*_OBJECT_FIELDS, *(f for f in _OPTIONAL_OBJECT_FIELDS if description.get(f) is not None)):
        if not isinstance(description.get(field), dict):
            raise _FieldError(f"field {field!r} must be an object, got {_json_type(description.get(field))}")


def _json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def load_generator(directory: str | Path) -> Generator:
    """Rebuild a generator written by :meth:`Generator.save`."""
    return load_saved(directory)[0]


def load_saved(directory: str | Path) -> tuple[Generator, dict[str, str]]:
    """Rebuild a generator written by :func:`save_generator`, and the extra text files saved with it (file
    name: text). Every file is checked against the SHA-256 that ``model.json`` holds for it."""
    from twinforge.generators import generator_class  # the registry imports the model modules

    directory = Path(directory)
    model_file, weights_file = directory / MODEL_FILE, directory / WEIGHTS_FILE
    if not directory.is_dir():
        raise FileNotFoundError(f"no saved generator at {directory}: directory does not exist")
    if not model_file.is_file():
        raise FileNotFoundError(
            f"no saved generator at {directory}: {model_file.name} is missing (a save that did not finish leaves none)"
        )
    try:
        description = json.loads(model_file.read_text())
        _check_fields(description)
        name, params = description["generator"], description["params"]
        files = _listed_files(description)
        schema = TableSchema.from_dict(description["schema"])
        encoder = TableEncoder.from_dict(description["transformer"])
        process = ProcessModel.from_dict(description.get("process_columns"))
        rules = FittedRules.from_dict(description["rules"]) if "rules" in description else None
        text_names = [str(name) for name in description.get("text_models", [])]
        if any(not _TEXT_NAME.fullmatch(name) for name in text_names):
            raise ValueError(f"text model names must be letters, digits and underscores, got {text_names}")
        unlisted = [f for f in (WEIGHTS_FILE, *(f"{name}.txt" for name in text_names)) if f not in files]
        if unlisted:
            raise _FieldError(f"field 'files' lacks {', '.join(unlisted)}")
    except _LayoutError as error:  # not a description of this layout: nothing in it is read
        saved_by = description.get("twinforge_version", "an unknown version")
        raise ValueError(
            f"{model_file}: {error} (saved by twinforge {saved_by}); fit it again with this twinforge "
            f"({twinforge.__version__})"
        ) from error
    except _FieldError as error:
        raise ValueError(f"{model_file} is not a valid generator description: {error}") from error
    # AttributeError: a value of another JSON type deeper in (a list where an object belongs)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, RuleError) as error:
        raise ValueError(f"{model_file} is not a valid generator description: {error!r}") from error
    contents = _read_listed(directory, files)
    cls = generator_class(name, source=model_file)
    try:
        generator = cls(**params)
    except TypeError as error:  # a parameter an older or newer twinforge had
        saved_by = description.get("twinforge_version", "an unknown version")
        raise ValueError(
            f"{model_file}: this {name!r} generator was saved by twinforge {saved_by} with parameters this "
            f"twinforge ({twinforge.__version__}) does not take ({error}); fit it again with this version"
        ) from error
    generator.schema, generator.encoder, generator.process = schema, encoder, process
    generator.fit_summary = description.get("fit_summary", {})
    generator.rules = rules
    try:
        state = torch.load(io.BytesIO(contents.pop(WEIGHTS_FILE)), weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(f"{weights_file} does not hold valid weights for a {name!r} generator: {error}") from error
    try:
        _load_on_meta(generator, state)  # shapes first: nothing the size model.json asks for is made before
        generator.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError, NotImplementedError) as error:
        raise ValueError(
            f"{weights_file} does not hold valid weights for a {name!r} generator of the sizes "
            f"{model_file.name} describes: {error}"
        ) from error
    try:
        texts = {text: contents.pop(f"{text}.txt").decode() for text in text_names}
        extras = {file: data.decode() for file, data in contents.items()}
    except UnicodeDecodeError as error:
        raise ValueError(f"{directory}: a text file of this {name!r} generator is not UTF-8 text: {error}") from error
    try:
        generator.load_text_state(texts)
    except ValueError as error:
        raise ValueError(f"{directory}: the text models of this {name!r} generator are not valid: {error}") from error
    return generator, extras


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _listed_files(description: dict) -> dict[str, str]:
    """``files`` of ``model.json``: plain file names beside it, each with a SHA-256 in hex."""
    files = description["files"]
    for file, digest in files.items():
        if Path(file).name != file or file in (".", "..", MODEL_FILE) or not isinstance(digest, str):
            raise _FieldError(f"field 'files' names {file!r}, not a file saved beside {MODEL_FILE}")
        if not _SHA256.fullmatch(digest):
            raise _FieldError(f"field 'files' gives {file!r} a value that is not a SHA-256 in hex")
    return files


def _read_listed(directory: Path, files: Mapping[str, str]) -> dict[str, bytes]:
    """The bytes of each listed file, read once, each checked against its SHA-256."""
    contents = {}
    for file, digest in files.items():
        path = directory / file
        if not path.is_file():
            raise FileNotFoundError(f"no saved generator at {directory}: {file} is missing")
        data = path.read_bytes()
        if _digest(data) != digest:
            raise ValueError(
                f"{path} is not the file {MODEL_FILE} was saved with (two saves into one folder, or a save cut "
                "short over an older model): save the model again"
            )
        contents[file] = data
    return contents
