"""Editing an exported SBML: units, parameters and events, and the resting-state variant of a network.

Shared by the exporter (``io.export``) and the regimen model (``io.regimen_sbml``), which builds on the resting
state; neither imports the other for these.
"""
from __future__ import annotations

import libsbml

from alk5_pysb.model.names import INHIBITOR_SPECIES, LIGAND_SPECIES, LIGANDS, MOLECULES_PER_NM, TRAP_SPECIES


def _check(code, what):
    if code is None or (isinstance(code, int) and code != libsbml.LIBSBML_OPERATION_SUCCESS):
        raise RuntimeError(f"libsbml failed to {what} (code {code})")


def _literal_units(node):
    """Give every number in a math tree the unit 'dimensionless' (they are pure factors)."""
    if node is None:
        return
    if node.isNumber() and not node.hasUnits():
        node.setUnits("dimensionless")
    for i in range(node.getNumChildren()):
        _literal_units(node.getChild(i))
def add_unit_definitions(smodel, units: dict):
    """Unit definitions {id: [(kind, exponent, scale, multiplier), ...]} added to an SBML model."""
    for uid, parts in units.items():
        ud = smodel.createUnitDefinition()
        _check(ud.setId(uid), f"set unit id {uid}")
        for kind, exponent, scale, multiplier in parts:
            unit = ud.createUnit()
            unit.setKind(kind)
            unit.setExponent(exponent)
            unit.setScale(scale)
            unit.setMultiplier(multiplier)


def add_parameter(m, pid, value, units, text, constant=True):
    """A global parameter with metaid, units, SBO term and a one-line note."""
    p = m.createParameter()
    p.setId(pid)
    p.setMetaId(f"meta_{pid}")
    p.setValue(float(value))
    p.setConstant(constant)
    p.setUnits(units)
    p.setSBOTerm(2)
    p.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{text}</p></body>')
    return p


def sbml_math(formula):
    """An L3 formula as MathML, its bare numbers dimensionless."""
    math = libsbml.parseL3Formula(formula)
    if math is None:
        raise RuntimeError(f"cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    _literal_units(math)
    return math


def add_event(m, eid, trigger, assignments):
    """A persistent event (initial trigger value false, values from trigger time) with (target, formula)
    assignments."""
    ev = m.createEvent()
    ev.setId(eid)
    ev.setMetaId(f"meta_{eid}")
    ev.setUseValuesFromTriggerTime(True)
    trig = ev.createTrigger()
    trig.setInitialValue(False)
    trig.setPersistent(True)
    trig.setMath(sbml_math(trigger))
    for target, formula in assignments:
        ea = ev.createEventAssignment()
        ea.setVariable(target)
        ea.setMath(sbml_math(formula))
    return ev


def resting_sbml(sbml: str) -> str:
    """The same model starting at the unstimulated steady state (default parameters), with the
    protocol as SBML events, for tools that neither pre-equilibrate nor re-evaluate initial
    assignments after a parameter change (COPASI, tellurium/SED-ML, MATLAB):

    - ``dose_TGFB1_pM`` (and TGFB2/TGFB3/GDF11) of ligand, and ``Trap_0`` (nM) of ligand trap, are
      added to the medium at ``ligand_time_min`` (default 0);
    - ``Inhibitor_0`` (nM) of ALK5 inhibitor is present from t = 0, so ``ligand_time_min = 60``
      is a 60-min pre-treatment.

    Initial amounts no longer follow the total-amount parameters (Smad2_0, ...): to change those,
    use alk5.sbml and pre-equilibrate (the alk5 simulator does).
    """
    from alk5_pysb.simulation.simulator import Simulator
    sim = Simulator(sbml)
    state = dict(zip(sim.species, sim.resting_state()))
    info = sim.last_rest_info
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    m.setId(m.getId() + "_rest")   # the metaid stays: the RDF annotation refers to it
    dosed = {LIGAND_SPECIES[iso] for iso in LIGANDS} | {TRAP_SPECIES, INHIBITOR_SPECIES}
    for sid, amount in list(state.items()) + [(INHIBITOR_SPECIES, 0.0)]:
        if m.getInitialAssignmentBySymbol(sid) is not None:
            m.removeInitialAssignment(sid)
        m.getSpecies(sid).setInitialAmount(0.0 if sid in dosed else float(f"{max(amount, 0.0):.10g}"))
    m.getSpecies(INHIBITOR_SPECIES).setConstant(False)

    def parameter(pid, value, units, text):
        add_parameter(m, pid, value, units, text)

    medium = MOLECULES_PER_NM["medium"]
    for iso in LIGANDS:                 # the full network's ligands (block ligands have their own networks)
        parameter(f"dose_{iso}_pM", 0.0, "pM", f"{iso} added to the medium at ligand_time_min, in pM")
        # the dose in molecules per cell (pM -> nM -> molecules), a readout: the addition event
        # computes the same from constant parameters
        amount = m.createParameter()
        amount.setId(f"dose_{iso}_molecules")
        amount.setMetaId(f"meta_dose_{iso}_molecules")
        amount.setConstant(False)
        amount.setUnits("item")
        rule = m.createAssignmentRule()
        rule.setVariable(f"dose_{iso}_molecules")
        rule.setMetaId(f"meta_rule_dose_{iso}_molecules")
        math = libsbml.parseL3Formula(f"dose_{iso}_pM * 0.001 * {medium}")
        _literal_units(math)
        rule.setMath(math)
    parameter("ligand_time_min", 0.0, "minute", "time of ligand (and trap) addition")
    parameter("inhibitor_time_min", 0.0, "minute", "time of inhibitor addition (0: present from the start)")

    def event(eid, trigger, assignments):
        add_event(m, eid, trigger, assignments)

    # The event assignments use constant parameters only: AMICI 1.0 generates C++ that does not
    # compile when they refer to assignment-rule parameters (dose_*_molecules, molecules_per_nM_*).
    # molecules_per_nM_* is written out with the same formula and order of operations as its rule
    # (checked here), so RoadRunner's numbers do not change; two literal units keep the unit check
    # exact (0.001 nM per pM, 1e-9 M per nM).
    for uid, scale in (("nM_per_pM", 3), ("molar_per_nM", 9)):
        ud = m.createUnitDefinition()
        ud.setId(uid)
        unit = ud.createUnit()
        unit.setKind(libsbml.UNIT_KIND_DIMENSIONLESS)
        unit.setExponent(1)
        unit.setScale(scale)
        unit.setMultiplier(1.0)
    per_nM = {}
    for comp in ("medium", "cytoplasm"):
        rule_text = libsbml.formulaToL3String(m.getAssignmentRuleByVariable(MOLECULES_PER_NM[comp]).getMath())
        if rule_text != f"1e-9 dimensionless * N_A * V_{comp}":
            raise RuntimeError(f"{MOLECULES_PER_NM[comp]} = {rule_text}: update the dose events in resting_sbml")
        per_nM[comp] = f"(1e-9 molar_per_nM * N_A * V_{comp})"
    # strict ">" so that the default (t = 0) fires just after the start in every tool (RoadRunner
    # does not fire events whose trigger is already true at t0)
    event("ligand_addition", "time > ligand_time_min",
          [(sid, f"{sid} + dose_{iso}_pM * 0.001 nM_per_pM * {per_nM['medium']}") for iso, sid in LIGAND_SPECIES.items() if iso in LIGANDS]
          + [(TRAP_SPECIES, f"{TRAP_SPECIES} + {per_nM['medium']} * Trap_0")])
    event("inhibitor_addition", "time > inhibitor_time_min",
          [(INHIBITOR_SPECIES, f"{per_nM['cytoplasm']} * Inhibitor_0")])
    notes = m.getNotesString().replace(
        "<p>Resting state: initial amounts are NOT the resting steady state.",
        f"<p>THIS FILE STARTS AT REST: initial amounts are the unstimulated steady state for the default parameters "
        f"(simulated for {info['horizon_min']:g} min, max relative rate {info['residual_per_min']:.1e}/min). "
        "Set dose_TGFB1_pM (pM), optionally Inhibitor_0 (nM, present from t = 0) and ligand_time_min "
        "(pre-treatment), and simulate; alk5.sbml is the parameterised original.</p><p>")
    m.setNotes(notes)
    return libsbml.writeSBMLToString(doc)
