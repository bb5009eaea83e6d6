"""alk5-pysb: a rule-based model of ALK5 (TGF-beta type I receptor) signalling.

Layers (each uses only the ones above it):

- ``alk5_pysb.model``         mechanism modules (receptor, smad, transcription, feedback, noncanonical,
                              inhibitors, readouts), one builder, the parameter table, SBML ids
- ``alk5_pysb.pharmacology``  ALK5 inhibitors: compound table, potencies, effects on the model
- ``alk5_pysb.simulation``    the experiment description, libRoadRunner on the exported SBML,
                              metrics, the scan engine (serial, processes, Dask)
- ``alk5_pysb.analysis``      Hill fits, dose-response and inhibition scans, Sobol sensitivity, virtual
                              populations, literature comparisons, validation, figures
- ``alk5_pysb.io``            units, files, provenance, experiment files (TOML), exports (SBML, BNGL,
                              Antimony, SED-ML/OMEX, PEtab; they use the simulator for the resting state)
- ``alk5_pysb.cli``           the ``alk5`` command: parses and prints

The public API is importable from here: ``from alk5_pysb import Experiment, Simulator``.
"""

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first use, so ``import alk5_pysb`` stays cheap)
_PUBLIC = {
    "Experiment": "alk5_pysb.simulation.experiment",
    "measure": "alk5_pysb.simulation.experiment",
    "schedule": "alk5_pysb.simulation.experiment",
    "Simulator": "alk5_pysb.simulation.simulator",
    "shared_simulator": "alk5_pysb.simulation.simulator",
    "default_readouts": "alk5_pysb.simulation.simulator",
    "parse_metrics": "alk5_pysb.simulation.metrics",
    "run_scan": "alk5_pysb.simulation.engine",
    "dose_response": "alk5_pysb.analysis.dose_response",
    "inhibition": "alk5_pysb.analysis.dose_response",
    "get_compound": "alk5_pysb.pharmacology.compounds",
    "UserInputError": "alk5_pysb.errors",
    "SimulationError": "alk5_pysb.errors",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name):
    if name in _PUBLIC:
        import importlib
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'alk5_pysb' has no attribute {name!r}")
