"""Session fixtures: the model is built, its network generated and the SBML compiled once."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"


@pytest.fixture(scope="session")
def model():
    """The full PySB model with its BioNetGen-generated network."""
    import pysb.bng
    from alk5_pysb.io.bng import configure_pysb
    from alk5_pysb.model import build_model
    configure_pysb()
    m = build_model()
    pysb.bng.generate_equations(m)
    return m


@pytest.fixture(scope="session")
def rendered(model):
    """Every export rendered from the current code (BNG + libsbml), for staleness checks."""
    from alk5_pysb.io.export import render_all
    return render_all(model)


@pytest.fixture(scope="session")
def sbml_text():
    return (MODELS / "alk5.sbml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sim():
    """One compiled RoadRunner simulator over the committed SBML, reused by every test."""
    from alk5_pysb.simulation.simulator import Simulator
    return Simulator()


def behaviour_cases(checks, known_misses: dict) -> list:
    """One case per behaviour id; a known miss is a strict xfail with its reason (a FAIL row in validate)."""
    return [pytest.param(i, marks=pytest.mark.xfail(strict=True, reason=known_misses[i])) if i in known_misses else i
            for i in checks]


def assert_behaviour_met(sim, check_id):
    """The behaviour as written before simulation: a finite distance and a PASS."""
    import numpy as np
    from alk5_pysb.analysis import validation
    check = validation.run_check(sim, check_id)
    assert check.id == check_id and np.isfinite(check.margin)
    assert check.passed, f"{check.id}: target {check.target}; model {check.model}. {check.note}"
