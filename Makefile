# alk5-pysb: two commands set everything up on a fresh machine.
#   make figures   venv + install + model exports (if stale) + standard simulations and figures
#   make test      venv + install + the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install.stamp
# AMICI (benchmark only) lives in its own venv: its sympy conflicts with pysb's pin
AMICI_VENV  := .venv-amici
AMICI_STAMP := $(AMICI_VENV)/.install.stamp
# BioSimulators' validator (OMEX test) lives in its own venv: it pins setuptools<81 and its own stack
BIOSIM_VENV  := .venv-biosim
BIOSIM_STAMP := $(BIOSIM_VENV)/.install.stamp

.PHONY: potency all install models figures docs context fibroblast-ensemble measure-next rests-on test bench bench-ensemble clean

all: figures

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

install: $(STAMP)

# Regenerates models/ only when the model code or tables changed (hash kept in models/MANIFEST.json).
models: $(STAMP)
	$(BIN)/alk5 export-all models/

figures: models
	$(BIN)/python scripts/figure_timecourses.py --out figures/
	$(BIN)/python scripts/figures_scans.py --out figures/
	$(BIN)/python scripts/figure_hepatocyte.py --out figures/
	$(BIN)/python scripts/figure_uncertainty.py --out figures/
	$(BIN)/python scripts/figure_fibrosis.py --out figures/
	$(BIN)/python scripts/fibrosis_prevention_reversal.py --out figures/
	$(BIN)/python scripts/figure_epithelial.py --out figures/
	$(BIN)/python scripts/figure_endothelial.py --out figures/
	mkdir -p results
	$(BIN)/alk5 compare-compounds -o results/compound_comparison.csv --force
	cp results/compound_comparison.csv results/compound_comparison.data.csv results/compound_comparison.summary.json figures/
	cp results/compound_comparison.parity.png figures/compound_parity.png
	rm -rf results/figures_sensitivity results/figures_population
	$(BIN)/alk5 sensitivity --samples 1024 -o results/figures_sensitivity
	$(BIN)/alk5 population --cells 100 --compound SB-431542 --doses 10nM:100uM:7 -o results/figures_population
	cp results/figures_sensitivity/sobol_indices.* results/figures_population/population.* figures/
	cp results/figures_population/cells.csv figures/population_cells.csv
	rm -rf results/figures_regimen
	$(BIN)/alk5 regimen --compound galunisertib --dose 150mg --every 12h --days 14 --off 14 --cycles 2 --ensemble 64 -o results/figures_regimen
	cp results/figures_regimen/regimen.png figures/regimen.png
	cp results/figures_regimen/regimen_ensemble.png figures/regimen_ensemble.png
	cp results/figures_regimen/ensemble_cycles.csv figures/regimen_ensemble_cycles.csv
	cp results/figures_regimen/cycles.csv figures/regimen_cycles.csv
	cp results/figures_regimen/summary.json figures/regimen_summary.json
	cp results/figures_regimen/ensemble.json figures/regimen_ensemble.json

# The documentation site (MkDocs, strict: a warning fails the build) from docs/ into site/; the pages generated from
# the tables, the CLI and figures/ go to docs/generated/ first.
docs: $(STAMP)
	$(BIN)/python scripts/docs_pages.py
	$(BIN)/mkdocs build --strict -d site

# Refits the residual factor on the Cheng-Prusoff cellular affinity of every compound (issue 12; ~1 min) and
# writes it to data/pharmacology.csv; `make figures` uses the committed value.
potency: models
	rm -rf results/potency_fit
	$(BIN)/alk5 calibrate potency --starts 8 --optimizer scipy-ls --workers 2 --seed 0 -o results/potency_fit
	$(BIN)/python scripts/potency_fit.py results/potency_fit

# Refits the hepatocyte context (Lucarelli 2018 data) with its profile likelihoods (~15 min on 2 cores) and rewrites
# its shipped parameters, profile intervals
# and report; `make figures` only draws the committed fit.
context: models
	rm -rf results/hepatocyte_fit
	$(BIN)/alk5 calibrate hepatocyte --starts 50 --optimizer scipy-ls --workers 2 --seed 0 --profile --sample 20000 -o results/hepatocyte_fit
	$(BIN)/python scripts/hepatocyte_context.py results/hepatocyte_fit
	cp results/hepatocyte_fit/profiles.png figures/hepatocyte_profiles.png
	cp results/hepatocyte_fit/posterior.png figures/hepatocyte_posterior.png

# Rebuilds the fibroblast ensemble (issue 18): ABC by subset simulation over the fibrosis block and the ACTA2
# constants against F1, F2, F5, F6, F8, F9, F10 (~15 min on 2 cores), then keeps the members joined with the shipped
# ensemble that still meet them (~10 min); `make figures` uses the committed ensembles.
fibroblast-ensemble: models
	rm -rf results/fibroblast_block results/fibroblast_ensemble
	$(BIN)/alk5 ensemble --context fibroblast --vary fibrosis,k_tx_max_ACTA2,K_tx_ACTA2,n_tx_ACTA2,k_tx_basal_ACTA2,kdeg_ACTA2_mRNA,kdeg_ACTA2 \
		--behaviours F1,F2,F5,F6,F8,F9,F10 --population 100 --max-levels 30 --workers 2 -o results/fibroblast_block
	$(BIN)/python scripts/fibroblast_ensemble.py --block results/fibroblast_block/accepted.csv --workers 2
	cp results/fibroblast_block/levels.csv docs/research/fibroblast_ensemble_levels.csv
	cp results/fibroblast_block/parameter_ranges.csv docs/research/fibroblast_ensemble_ranges.csv

# What to measure next (issue 17): Sobol total-order indices of the headline predictions over the shipped ensemble's
# marginals (~20 min on 2 cores); the top three per prediction go to data/measure_next.csv (README, model card).
measure-next: models
	rm -rf results/measure_next
	$(BIN)/alk5 measure-next --workers 2 -o results/measure_next
	$(BIN)/python -c "import pandas as pd; r = pd.read_csv('results/measure_next/ranking.csv'); \
		r[r['rank'] <= 3][['prediction', 'factor', 'evidence', 'ST', 'ST_conf', 'rank', 'experiment', 'runs']] \
		.to_csv('src/alk5_pysb/data/measure_next.csv', index=False)"
	cp results/measure_next/ranking.csv docs/research/measure_next_accepted_ranking.csv
	cp results/measure_next/summary.json docs/research/measure_next_accepted_summary.json

# What the fibroblast and epithelial answers rest on (issue 17): Sobol total-order indices over the marginals of the
# members they are quoted over (~10 min each on 2 cores; resumable); writes figures/rests_on_CONTEXT_*; `make figures`
# keeps the committed ones.
rests-on: models
	for c in fibroblast epithelial; do \
		rm -rf results/rests_on_$$c && \
		$(BIN)/alk5 measure-next --context $$c --base 128 --workers 2 -o results/rests_on_$$c && \
		for f in ranking.csv summary.json attribution.md attribution.png attribution.svg; do \
			cp results/rests_on_$$c/$$f figures/rests_on_$${c}_$$f || exit 1; done || exit 1; done

$(BIOSIM_STAMP): scripts/requirements-biosim.txt
	test -x $(BIOSIM_VENV)/bin/python || $(PYTHON) -m venv $(BIOSIM_VENV)
	$(BIOSIM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BIOSIM_VENV)/bin/python -m pip install --quiet -r scripts/requirements-biosim.txt
	touch $@

test: $(STAMP) $(BIOSIM_STAMP)
	ALK5_REQUIRE_BIOSIM=1 $(BIN)/python -m pytest -q tests

$(AMICI_STAMP): scripts/requirements-amici.txt
	test -x $(AMICI_VENV)/bin/python || $(PYTHON) -m venv $(AMICI_VENV)
	$(AMICI_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AMICI_VENV)/bin/python -m pip install --quiet -r scripts/requirements-amici.txt
	touch $@

bench: models $(AMICI_STAMP)
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_scan.py --amici-python $(AMICI_VENV)/bin/python
	$(BIN)/python scripts/bench_uncertainty.py

# The 1,000-member constrained ensemble from scratch (issue 17's 30-min target; ~30 min on 2 cores)
bench-ensemble: models
	$(BIN)/python scripts/bench_uncertainty.py --full-ensemble --out bench/bench_ensemble.json

clean:
	rm -rf $(VENV) $(AMICI_VENV) $(BIOSIM_VENV) .pytest_cache
