"""A fitted generator saved and loaded as plain data.

A saved generator is a directory with

* ``model.json``: generator name, params, seed, twinforge version, schema,
  table encoder, fit summary, the parameters of any process columns
  (:class:`twinforge.process.ProcessModel`) and the business rules with what they learned (if any);
* ``weights.pt``: a torch ``state_dict`` (tensors only), read back with
  ``torch.load(..., weights_only=True)``;
* ``<name>.txt``: each model a generator keeps as text (the transformer's last-column trees, in
  LightGBM's text format), listed in ``model.json`` under ``text_models``.

Nothing is ever pickled.

A model saved with parameters this twinforge does not take (an older or newer
version's) is refused with a message saying so.
"""

from __future__ import annotations

import copy
import json
import pickle  # only for pickle.UnpicklingError, what torch.load(weights_only=True) raises on a bad file
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.overrides import TorchFunctionMode

import twinforge
from twinforge.encoders import TableEncoder
from twinforge.io.permissions import write_private, write_private_text
from twinforge.io.schema import TableSchema
from twinforge.process import ProcessModel
from twinforge.rules import FittedRules, RuleError

if TYPE_CHECKING:
    from twinforge.generators.base import Generator

MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.pt"
FORMAT_VERSION = 1
# names of text models: they become file names
_TEXT_NAME = re.compile(r"[A-Za-z0-9_]+")


def save_generator(generator: Generator, directory: str | Path) -> Path:
    """Write a fitted ``generator`` to ``directory`` (created if need be); :func:`load_generator` reads it."""
    if not generator.is_fitted:
        raise RuntimeError(f"{type(generator).__name__} is not fitted: nothing to save")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
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
    write_private_text(directory / MODEL_FILE, json.dumps(description, indent=1))
    state = {k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}
    write_private(directory / WEIGHTS_FILE, lambda target: torch.save(state, target))
    for name, text in texts.items():
        write_private_text(directory / f"{name}.txt", text)
    return directory


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
_OBJECT_FIELDS = ("params", "schema", "transformer")
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
    from twinforge.generators import generator_class  # the registry imports the model modules

    directory = Path(directory)
    model_file, weights_file = directory / MODEL_FILE, directory / WEIGHTS_FILE
    if not directory.is_dir():
        raise FileNotFoundError(f"no saved generator at {directory}: directory does not exist")
    for path in (model_file, weights_file):
        if not path.is_file():
            raise FileNotFoundError(f"no saved generator at {directory}: {path.name} is missing")
    try:
        description = json.loads(model_file.read_text())
        _check_fields(description)
        name, params = description["generator"], description["params"]
        schema = TableSchema.from_dict(description["schema"])
        encoder = TableEncoder.from_dict(description["transformer"])
        process = ProcessModel.from_dict(description.get("process_columns"))
        rules = FittedRules.from_dict(description["rules"]) if "rules" in description else None
        text_names = [str(name) for name in description.get("text_models", [])]
        if any(not _TEXT_NAME.fullmatch(name) for name in text_names):
            raise ValueError(f"text model names must be letters, digits and underscores, got {text_names}")
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
        state = torch.load(weights_file, weights_only=True)
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
    texts = {}
    for text_name in text_names:
        path = directory / f"{text_name}.txt"
        if not path.is_file():
            raise FileNotFoundError(f"no saved generator at {directory}: {path.name} is missing")
        texts[text_name] = path.read_text()
    try:
        generator.load_text_state(texts)
    except ValueError as error:
        raise ValueError(f"{directory}: the text models of this {name!r} generator are not valid: {error}") from error
    return generator
