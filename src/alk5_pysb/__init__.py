"""alk5-pysb: a rule-based model of ALK5 (TGF-beta type I receptor) signalling.

Layers, each thin over the one below:

- ``alk5_pysb.parameters``  the parameter table (value, unit, source) in ``data/parameters.csv``
- ``alk5_pysb.model``       mechanism modules (receptor, smad, transcription, feedback,
                            noncanonical, inhibitors, readouts) and one builder
- ``alk5_pysb.export``      BioNetGen network, SBML (post-processed with libsbml), BNGL, model card
- ``alk5_pysb.simulate``    libRoadRunner on the exported SBML; protocols; DataFrames
- ``alk5_pysb.cli``         the ``alk5`` command
"""

__version__ = "0.1.0"
