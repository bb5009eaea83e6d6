"""The ALK5 model: mechanism modules composed by :func:`build_model`."""
from .builder import BLOCKS, OPTIONAL_BLOCKS, build_model

__all__ = ["build_model", "BLOCKS", "OPTIONAL_BLOCKS"]
