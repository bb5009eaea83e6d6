"""An SBML model of a dosing regimen: the lean TGF-beta1 network driven by an oral PK sub-model.

Everything needed to reproduce a regimen in another tool is in the file:

- the cell model (``alk5_tgfb1.sbml``) starting at its steady state under a constant TGF-beta1 level
  (the medium ligand is held at ``tgfb1_level_pM``: a tissue with a steady supply);
- an oral one-compartment PK model as rate rules: ``drug_gut_nmol`` -> ``drug_central_nmol`` -> out
  (``pk_ka``, ``pk_CL``, ``pk_V``), with one event per dose adding ``dose_nmol`` to the gut;
- ``C_plasma_nM`` and ``C_unbound_nM`` (= fu * C_plasma_nM) as assignment rules; the unbound
  concentration sets the intracellular inhibitor (free-drug hypothesis) and, for a dual inhibitor,
  the TbetaRII kinase activity 1/(1 + C/Kd_TBRII).
"""
from __future__ import annotations

import libsbml
import numpy as np

from alk5_pysb.io.sbml_rest import add_event, add_parameter, add_unit_definitions, resting_sbml, sbml_math
from alk5_pysb.model.names import INHIBITOR_SPECIES, LIGAND_SPECIES, MOLECULES_PER_NM

REGIMEN_SBML_FILE = "alk5_regimen.sbml"
#: horizons (days) tried in turn for the stimulated steady state the regimen starts from
HORIZONS_DAYS = (30, 150, 600)
DAY_MIN = 1440.0
#: unit definitions the PK part needs: id -> (kind, exponent, scale, multiplier)
PK_UNITS = {"nmol": [(libsbml.UNIT_KIND_MOLE, 1, -9, 1.0)], "litre_unit": [(libsbml.UNIT_KIND_LITRE, 1, 0, 1.0)],
            "litre_per_minute": [(libsbml.UNIT_KIND_LITRE, 1, 0, 1.0), (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)],
            "mg": [(libsbml.UNIT_KIND_GRAM, 1, -3, 1.0)],
            "gram_per_mole": [(libsbml.UNIT_KIND_GRAM, 1, 0, 1.0), (libsbml.UNIT_KIND_MOLE, -1, 0, 1.0)]}


def _assign(m, variable, formula):
    rule = m.createAssignmentRule()
    rule.setVariable(variable)
    rule.setMetaId(f"meta_rule_{variable}")
    rule.setMath(sbml_math(formula))


def _rate(m, variable, formula):
    rule = m.createRateRule()
    rule.setVariable(variable)
    rule.setMetaId(f"meta_raterule_{variable}")
    rule.setMath(sbml_math(formula))


def _without_doses(lean_sbml: str, pk, tgfb1_pM: float, kd_nM: float, kd_tbrii_nM: float | None,
                   kon: float | None = None) -> libsbml.SBMLDocument:
    doc = libsbml.readSBMLFromString(resting_sbml(lean_sbml))
    m = doc.getModel()
    m.setId("alk5_regimen")
    for eid in ("ligand_addition", "inhibitor_addition"):
        m.removeEvent(eid)
    add_unit_definitions(m, PK_UNITS)
    # constant TGF-beta1 in the medium (boundary species held by a rule)
    ligand = m.getSpecies(LIGAND_SPECIES["TGFB1"])
    ligand.setBoundaryCondition(True)
    ligand.setConstant(False)
    add_parameter(m, "tgfb1_level_pM", tgfb1_pM, "pM", "free TGF-beta1 held constant in the medium (pM)")
    _assign(m, ligand.getId(), f"tgfb1_level_pM * 0.001 * {MOLECULES_PER_NM['medium']}")
    m.getParameter("Kd_inhibitor").setValue(float(kd_nM))     # the cellular Kd itself, so no residual factor
    m.getParameter("Kd_residual_factor").setValue(1.0)
    if kon is not None:
        m.getParameter("kon_inhibitor").setValue(float(kon))
    # oral one-compartment PK, per minute
    add_parameter(m, "pk_ka", pk.ka_per_h / 60.0, "per_minute", f"absorption rate ({pk.ka_per_h:.4g} /h)")
    add_parameter(m, "pk_CL", pk.cl_L_per_h / 60.0, "litre_per_minute", f"apparent clearance CL/F ({pk.cl_L_per_h:.4g} L/h)")
    add_parameter(m, "pk_V", pk.v_L, "litre_unit", "apparent volume V/F (L)")
    add_parameter(m, "pk_fu", pk.fu, "dimensionless", "fraction unbound in plasma")
    add_parameter(m, "pk_MW", pk.mw_g_per_mol, "gram_per_mole", f"molar mass of {pk.compound}")
    add_parameter(m, "drug_gut_nmol", 0.0, "nmol", "drug in the absorption depot", constant=False)
    add_parameter(m, "drug_central_nmol", 0.0, "nmol", "drug in the central (plasma) compartment", constant=False)
    _rate(m, "drug_gut_nmol", "-pk_ka * drug_gut_nmol")
    _rate(m, "drug_central_nmol", "pk_ka * drug_gut_nmol - pk_CL / pk_V * drug_central_nmol")
    add_parameter(m, "C_plasma_nM", 0.0, "nM", "total plasma concentration (nM)", constant=False)
    add_parameter(m, "C_unbound_nM", 0.0, "nM", "unbound plasma concentration, taken as the intracellular one (nM)",
               constant=False)
    _assign(m, "C_plasma_nM", "drug_central_nmol / pk_V")
    _assign(m, "C_unbound_nM", "pk_fu * C_plasma_nM")
    inhibitor = m.getSpecies(INHIBITOR_SPECIES)
    inhibitor.setBoundaryCondition(True)
    inhibitor.setConstant(False)
    _assign(m, INHIBITOR_SPECIES, f"C_unbound_nM * {MOLECULES_PER_NM['cytoplasm']}")
    if kd_tbrii_nM is not None and np.isfinite(kd_tbrii_nM):
        add_parameter(m, "Kd_TBRII_nM", kd_tbrii_nM, "nM", "cellular TbetaRII affinity of the drug (dual inhibitor)")
        m.getParameter("TBRII_kinase_activity").setConstant(False)
        _assign(m, "TBRII_kinase_activity", "1 / (1 + C_unbound_nM / Kd_TBRII_nM)")
    return doc


def _stimulated_steady_state(doc, horizon_min=30 * DAY_MIN):
    """Floating-species amounts after ``horizon_min`` of constant TGF-beta1 without drug."""
    import roadrunner
    from alk5_pysb.simulation.simulator import set_tolerances
    rr = roadrunner.RoadRunner(libsbml.writeSBMLToString(doc))
    set_tolerances(rr, 1e-8, 1e-10)
    rr.simulate(0, horizon_min, 3)
    ids = list(rr.model.getFloatingSpeciesIds())
    amounts = np.array(rr.model.getFloatingSpeciesAmounts())
    named = rr.getRatesOfChangeNamedArray()
    by_id = {name.rstrip("'").strip("[]"): value for name, value in zip(named.colnames, np.asarray(named).ravel())}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise RuntimeError(f"no rate of change for {missing[:3]} (RoadRunner names: {named.colnames[:3]})")
    rates = np.abs(np.array([by_id[i] for i in ids]))
    residual = float(np.max(rates / np.maximum(np.abs(amounts), 1.0)))
    return dict(zip(ids, amounts)), residual


def regimen_sbml(lean_sbml: str, pk, dose_times_min, dose_mg: float, tgfb1_pM: float, kd_nM: float,
                 kd_tbrii_nM: float | None = None, kon: float | None = None) -> str:
    """The regimen model as SBML text (see the module docstring); ``kon`` (1/(nM*min)) sets the drug's
    residence time 1/(kon*Kd) (default: the model's kon_inhibitor)."""
    doc = _without_doses(lean_sbml, pk, tgfb1_pM, kd_nM, kd_tbrii_nM, kon)
    m = doc.getModel()
    # 30 days settle the lean network; slow matrix pools (fibrosis network: deposited collagen, t1/2 up to 30 d)
    # need longer
    for days in HORIZONS_DAYS:
        state, residual = _stimulated_steady_state(doc, days * DAY_MIN)
        if residual <= 1e-6:
            break
    else:
        raise RuntimeError(f"the regimen model did not reach its stimulated steady state in {days} days (max "
                           f"relative rate {residual:.1e}/min)")
    for sid, amount in state.items():
        m.getSpecies(sid).setInitialAmount(float(f"{max(amount, 0.0):.12g}"))
    add_parameter(m, "dose_mg", dose_mg, "mg", "oral dose (mg)")
    add_parameter(m, "dose_nmol", dose_mg / pk.mw_g_per_mol * 1e6, "nmol", "oral dose (nmol) = dose_mg / MW * 1e6")
    # strict ">" so a dose at t = 0 fires just after the start in every tool
    for i, t in enumerate(dose_times_min):
        add_event(m, f"dose_{i + 1}", f"time > {float(t)!r} minute", [("drug_gut_nmol", "drug_gut_nmol + dose_nmol")])
    m.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>ALK5 model (lean TGF-beta1 network) under an oral '
               f'{pk.compound} regimen: {len(dose_times_min)} doses of {dose_mg:g} mg; TGF-beta1 held at '
               f'{tgfb1_pM:g} pM; starts at the stimulated steady state without drug ({days} days, max relative '
               f'rate {residual:.1e}/min). Time in minutes; drug amounts in nmol; concentrations in nM.</p></body>')
    return libsbml.writeSBMLToString(doc)


#: the shipped example: galunisertib 150 mg twice daily, 14 days on / 14 days off, 2 cycles, TGF-beta1 100 pM
#: (Rodon et al. 2015 Invest New Drugs 33:357; Herbertz et al. 2015 Drug Des Devel Ther 9:4479)
DEFAULT_REGIMEN = {"compound": "galunisertib", "dose_mg": 150.0, "every_h": 12.0, "days_on": 14.0, "days_off": 14.0,
                   "cycles": 2, "tgfb1_pM": 100.0}


def default_regimen_sbml(lean_sbml: str) -> str:
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.pharmacology.pk import Regimen, get_pk
    d = DEFAULT_REGIMEN
    pk, compound = get_pk(d["compound"]), get_compound(d["compound"])
    regimen = Regimen(d["dose_mg"], d["every_h"], d["days_on"], d["days_off"], d["cycles"])
    tbrii = compound.kd_tbrii_cell_nM if np.isfinite(compound.tbrii_ic50_nM) else None
    return regimen_sbml(lean_sbml, pk, regimen.dose_times_h() * 60.0, regimen.dose_mg, d["tgfb1_pM"],
                        compound.kd_cell_nM, tbrii, compound.kon)
