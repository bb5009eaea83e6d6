"""The calibration layer: PEtab problems and what fits them.

Problems (the tables, written by ``alk5 export-all``): :mod:`.literature` (the literature problem on the
default table), :mod:`.hepatocyte` (Lucarelli 2018), :mod:`.potency` (compound residuals). Reading them:
:mod:`.problem`. The one likelihood: :mod:`.likelihood`. The objective on alk5's engine: :mod:`.objective`;
multi-start fits: :mod:`.multistart`; profile likelihoods: :mod:`.profiles`; literature-constrained
ensembles: :mod:`.constrained` (rejection) and :mod:`.subset` (ABC by subset simulation).
"""
