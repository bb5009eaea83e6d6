"""Where the model's exports live.

The exports (SBML, Antimony, BNGL, SED-ML/OMEX, PEtab; ``models/`` in the source tree) ship inside
the package as ``alk5_pysb/exports/``, so an installed wheel simulates from any folder. A source
checkout (editable install) reads ``models/`` directly. A user folder of exports (``alk5 export-all``
writes them to the user cache by default, never into site-packages) is chosen with ``--models DIR``
or the ``ALK5_MODELS`` environment variable.
"""
from __future__ import annotations

import os
from pathlib import Path

from alk5_pysb import __version__
from alk5_pysb.errors import UserInputError

ENV_MODELS = "ALK5_MODELS"
MANIFEST_FILE = "MANIFEST.json"
#: networks the simulator can load: the full model, the lean TGF-beta1-only one for scans, and the
#: TGF-beta1 network with the fibrosis block (fibroblast context: alpha-SMA, collagen, autocrine TGF-beta1)
#: TGF-beta1 network with the cytostasis block (MYC, p15, p21, proliferation index), and with the cytostasis and
#: EMT blocks (the epithelial context: growth arrest and EMT in one cell)
NETWORKS = {"full": "alk5.sbml", "tgfb1": "alk5_tgfb1.sbml", "fibrosis": "alk5_fibrosis.sbml",
            "cytostasis": "alk5_cytostasis.sbml", "emt": "alk5_emt.sbml", "endothelial": "alk5_endothelial.sbml"}
#: networks with blocks of their own (readouts.csv column network names the block whose readouts they add)
EXTRA_NETWORKS = {"fibrosis": ("fibrosis",), "cytostasis": ("cytostasis",), "emt": ("cytostasis", "emt"),
                  "endothelial": ("endothelial",)}


def shipped_models() -> Path:
    """The exports that came with the package (wheel: alk5_pysb/exports; checkout: models/)."""
    package = Path(__file__).resolve().parents[1]          # alk5_pysb/
    for folder in (package / "exports", package.parents[1] / "models"):
        if (folder / MANIFEST_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no model exports found in {package / 'exports'}: the installation is incomplete "
                            "(reinstall alk5-pysb), or run `alk5 export-all` and pass --models DIR")


def user_models() -> Path:
    """Default folder for regenerated exports: the user cache, per package version."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "alk5-pysb" / __version__ / "models"


def models_dir(override=None) -> Path:
    """The exports folder to read: ``override`` (--models), else $ALK5_MODELS, else the shipped one."""
    chosen = override or os.environ.get(ENV_MODELS)
    if not chosen:
        return shipped_models()
    folder = Path(chosen).expanduser()
    what = "--models" if override else f"${ENV_MODELS}"
    if not folder.is_dir():
        raise UserInputError(f"{what} {folder}: no such folder (write exports there with `alk5 export-all {folder}`)")
    if not (folder / NETWORKS["full"]).is_file():
        raise UserInputError(f"{what} {folder}: holds no {NETWORKS['full']} (write it with `alk5 export-all {folder}`)")
    return folder


def sbml_path(network: str = "full", models=None) -> Path:
    """The SBML file of a network in the chosen exports folder."""
    if network not in NETWORKS:
        raise UserInputError(f"unknown network {network!r}: valid networks are {', '.join(NETWORKS)}")
    path = models_dir(models) / NETWORKS[network]
    if not path.is_file():
        raise UserInputError(f"{path} not found: write the exports with `alk5 export-all {path.parent}`")
    return path
