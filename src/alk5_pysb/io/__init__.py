"""Input and output: units, files, export locations, provenance, experiment files (TOML), exports
(SBML, BNGL, Antimony, SED-ML/OMEX, PEtab) and BioNetGen."""
