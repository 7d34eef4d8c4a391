"""Read a fitted scikit-learn model from a file a notebook saved: skops, joblib/pickle, or an
MLflow sklearn model folder (``MLmodel`` beside ``model.pkl`` or ``model.skops``).

skops files load with the types reviewed here; any other type a file holds is refused by name
unless the user trusts the file. Pickles (joblib, pickle, cloudpickle) run code while they
load, so they are read only when the user says the file is trusted. MLflow folders are read from
their ``MLmodel`` YAML without importing mlflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.errors import InputError
from mlops_desktop.registry.artifacts import sha256_file

SKOPS_SUFFIXES = (".skops",)
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".jbl")

#: Types skops does not trust by default that a fitted scikit-learn pipeline holds, reviewed:
#: plain data (dtypes, the ``object`` marker) and scikit-learn's own internal classes.
REVIEWED_TYPES = (
    "builtins.object",
    "numpy.dtype",
    "collections.OrderedDict",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.compose._column_transformer._RemainderColsList",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn.utils._bunch.Bunch",
)

PICKLE_WARNING = (
    "Loading a pickle runs any code the file contains, so MLOps Desktop reads {what} only when "
    "you say you trust where it came from."
)


@dataclass(frozen=True)
class LoadedModel:
    """A model read from a file: the object, the format, the file read and its SHA-256."""

    model: Any
    format: str
    file_name: str
    sha256: str


def load_model_file(path: Path | str, trust: bool = False) -> LoadedModel:
    """Read the model at ``path`` (a file or an MLflow model folder); InputError when it cannot."""
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"There is no file or folder {path}.")
    if path.is_dir() or path.name == "MLmodel":
        return _load_mlflow(path if path.is_dir() else path.parent, trust)
    suffix = path.suffix.lower()
    if suffix in SKOPS_SUFFIXES:
        return LoadedModel(_load_skops(path, trust), "skops", path.name, sha256_file(path))
    if suffix in PICKLE_SUFFIXES:
        return LoadedModel(_load_pickle(path, trust), "joblib", path.name, sha256_file(path))
    raise InputError(
        f"'{path.name}' is not a model file MLOps Desktop reads: use a skops file (.skops), "
        "a joblib or pickle file (.joblib, .pkl, with --trust) or an MLflow model folder."
    )


def _load_skops(path: Path, trust: bool) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - not a zip, damaged, or another format
        raise InputError(
            f"'{path.name}' is not a readable skops file ({type(exc).__name__}: {exc})."
        ) from exc
    unknown = [name for name in untrusted if name not in REVIEWED_TYPES]
    if unknown and not trust:
        raise InputError(
            f"'{path.name}' holds types that have not been reviewed: {', '.join(unknown)}. "
            "Loading them may run their code; trust the file only if you know where it came from."
        ).hinted("Add --trust to load it anyway.")
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:  # noqa: BLE001 - a type missing here, or a damaged file
        raise InputError(
            f"'{path.name}' could not be loaded ({type(exc).__name__}: {exc})."
        ) from exc


def _load_pickle(path: Path, trust: bool) -> Any:
    if not trust:
        raise InputError(f"'{path.name}' is a pickle. " + PICKLE_WARNING.format(what="it")).hinted(
            "Add --trust if you trust it, or save the model with skops.io.dump instead."
        )
    import joblib

    try:
        return joblib.load(path)  # reads plain pickles too
    except Exception as exc:  # noqa: BLE001 - not a pickle, truncated, or a class missing here
        raise InputError(
            f"'{path.name}' could not be unpickled ({type(exc).__name__}: {str(exc)[:200]})."
        ) from exc


def read_mlmodel(folder: Path) -> dict:
    """The ``MLmodel`` YAML of an MLflow model folder, as a dict."""
    import yaml

    mlmodel = folder / "MLmodel"
    if not mlmodel.is_file():
        raise InputError(f"The folder {folder} is not an MLflow model: it has no MLmodel file.")
    try:
        spec = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{mlmodel} is not valid YAML: {exc}.") from exc
    if not isinstance(spec, dict):
        raise InputError(f"{mlmodel} does not describe a model.")
    return spec


def _load_mlflow(folder: Path, trust: bool) -> LoadedModel:
    flavors = read_mlmodel(folder).get("flavors") or {}
    sklearn_flavor = flavors.get("sklearn") if isinstance(flavors, dict) else None
    if not isinstance(sklearn_flavor, dict):
        raise InputError(
            f"{folder.name} is an MLflow model without the sklearn flavor "
            f"(flavors: {', '.join(flavors) or 'none'}); only scikit-learn models can be imported."
        )
    file_name = str(sklearn_flavor.get("pickled_model") or "model.pkl")
    model_path = (folder / file_name).resolve()
    if folder.resolve() not in model_path.parents or not model_path.is_file():
        raise InputError(f"The MLflow model's file '{file_name}' is not in {folder}.")
    serialization = str(sklearn_flavor.get("serialization_format") or "cloudpickle")
    if serialization == "skops" or model_path.suffix == ".skops":
        model, kind = _load_skops(model_path, trust), "mlflow (skops)"
    else:
        model, kind = _load_pickle(model_path, trust), f"mlflow ({serialization})"
    return LoadedModel(model, kind, f"{folder.name}/{file_name}", sha256_file(model_path))
