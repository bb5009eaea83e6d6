"""The ALK5 model: mechanism modules composed by :func:`build_model`, the parameter table
(``parameters``) and the SBML ids the simulator relies on (``names``).

The builder needs PySB (the ``[build]`` extra); ``parameters`` and ``names`` do not, so the core
install can read them without it.
"""

__all__ = ["build_model", "BLOCKS", "OPTIONAL_BLOCKS"]


def __getattr__(name):
    if name in __all__:
        from alk5_pysb.model import builder
        return getattr(builder, name)
    raise AttributeError(f"module 'alk5_pysb.model' has no attribute {name!r}")
