"""Exports: BioNetGen network, SBML (post-processed with libsbml), Antimony, BNGL, and a model card.

PySB's SBML exporter writes one unit-less compartment, ``__sN``/``__obsN`` ids and no notes.
``to_sbml`` fixes that: readable species ids, observables under their own names, real
compartments (medium, plasma membrane, endosome, cytoplasm, nucleus) with their sizes, unit
definitions (substance = molecules per cell, time = minutes), explicit stoichiometries, and
notes. Species keep ``hasOnlySubstanceUnits=true``: amounts are molecules per cell, so moving a
species into a compartment of a different size does not change the dynamics.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import libsbml

from alk5_pysb import __version__
from alk5_pysb.io.bng import configure_pysb
from alk5_pysb.io.files import atomic_write
from alk5_pysb.model.names import INHIBITOR_SPECIES, LIGAND_SPECIES, LIGANDS, TRAP_SPECIES
from alk5_pysb.io.sbml_rest import (_check, _literal_units, add_event, add_parameter, add_unit_definitions,  # noqa: F401
                                    resting_sbml, sbml_math)
from alk5_pysb.model.parameters import default_table, evidence_counts

SBML_FILE = "alk5.sbml"
ANTIMONY_FILE = "alk5.ant"
REST_SBML_FILE = "alk5_rest.sbml"
#: the lean TGF-beta1-only network (same model without the other isoforms' complexes), for scans
TGFB1_SBML_FILE = "alk5_tgfb1.sbml"
#: the TGF-beta1 network with the fibrosis block (built on request; the fibroblast context runs on it)
FIBROSIS_SBML_FILE = "alk5_fibrosis.sbml"
#: the TGF-beta1 network with the cytostasis block (built on request; the cytostasis behaviours run on it)
CYTOSTASIS_SBML_FILE = "alk5_cytostasis.sbml"
#: the TGF-beta1 network with the cytostasis and EMT blocks (built on request; the epithelial context runs on it)
EMT_SBML_FILE = "alk5_emt.sbml"
#: the TGF-beta1 network with the endothelial block: BMP9, ALK1, endoglin, Smad1/5, ID1 (the endothelial context)
ENDOTHELIAL_SBML_FILE = "alk5_endothelial.sbml"
SEDML_FILE = "alk5_experiments.sedml"
OMEX_FILE = "alk5.omex"
BNGL_FILE = "alk5.bngl"
NET_FILE = "alk5.net"
CARD_FILE = "README.md"
MANIFEST_FILE = "MANIFEST.json"

COMPARTMENTS = {  # id -> (size parameter, spatial dimensions, units)
    "medium": ("V_medium", 3, "litre"),
    "plasma_membrane": ("A_plasma_membrane", 2, "m2"),
    "endosome": ("V_endosome", 3, "litre"),
    "cytoplasm": ("V_cytoplasm", 3, "litre"),
    "nucleus": ("V_nucleus", 3, "litre"),
}

# unit id -> [(kind, exponent, scale, multiplier)]; 'item' and 'litre' are SBML base units
UNITS = {
    "minute": [(libsbml.UNIT_KIND_SECOND, 1, 0, 60.0)],
    "m2": [(libsbml.UNIT_KIND_METRE, 2, 0, 1.0)],
    "per_minute": [(libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)],
    "per_item_per_minute": [(libsbml.UNIT_KIND_ITEM, -1, 0, 1.0), (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)],
    "item_per_minute": [(libsbml.UNIT_KIND_ITEM, 1, 0, 1.0), (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)],
    "nM": [(libsbml.UNIT_KIND_MOLE, 1, -9, 1.0), (libsbml.UNIT_KIND_LITRE, -1, 0, 1.0)],
    "per_nM_per_minute": [(libsbml.UNIT_KIND_MOLE, -1, -9, 1.0), (libsbml.UNIT_KIND_LITRE, 1, 0, 1.0),
                          (libsbml.UNIT_KIND_SECOND, -1, 0, 60.0)],
    "per_mole": [(libsbml.UNIT_KIND_MOLE, -1, 0, 1.0)],
    "item_per_mole": [(libsbml.UNIT_KIND_ITEM, 1, 0, 1.0), (libsbml.UNIT_KIND_MOLE, -1, 0, 1.0)],
    "item_per_nM": [(libsbml.UNIT_KIND_ITEM, 1, 0, 1.0), (libsbml.UNIT_KIND_MOLE, -1, -9, 1.0),
                    (libsbml.UNIT_KIND_LITRE, 1, 0, 1.0)],
    "pM": [(libsbml.UNIT_KIND_MOLE, 1, -12, 1.0), (libsbml.UNIT_KIND_LITRE, -1, 0, 1.0)],
}
TABLE_UNIT_TO_SBML = {
    "1/min": "per_minute", "1/(molecule*min)": "per_item_per_minute", "molecule/(cell*min)": "item_per_minute",
    "molecule/cell": "item", "nM": "nM", "1/(nM*min)": "per_nM_per_minute", "L": "litre", "m^2": "m2",
    "1/mol": "per_mole", "molecule/mol": "item_per_mole", "dimensionless": "dimensionless",
}


#: expressions whose unit no naming rule gives: a sum of table rates times dimensionless factors
EXPRESSION_UNITS = {"k_activation_LTGFB1": "per_minute", "k_tl_ZEB_effective": "per_minute",
                    "k_GS_ALK1_typeII": "per_minute", "Smad15_gate_SERPINE1": "dimensionless",
                    # a per-molecule table rate times an amount of active kinase
                    "k_act_ALK1_TGFB_effective": "per_minute", "k_phos_Smad15_effective": "per_minute"}


def expression_units(name: str, readout_units: dict, table=None) -> str:
    """SBML units of a PySB observable or expression (assignment-rule parameter), by what it is."""
    if name in EXPRESSION_UNITS:
        return EXPRESSION_UNITS[name]
    for suffix in ("_TBRII", "_without_kinase", "_stabilised", "_effective", "_secreted"):   # a table rate x a dimensionless factor
        base = name.removesuffix(suffix)
        if base != name and table is not None and base in table.frame.index:
            return TABLE_UNIT_TO_SBML[table.unit(base)]
    if name.startswith("ksyn_"):           # synthesis derived from the resting amount
        return "item_per_minute"
    if name.startswith("molecules_per_nM_"):
        return "item_per_nM"
    if name.endswith("_per_molecule"):
        return "per_item_per_minute"
    if name.endswith("_molecules"):
        return "item"
    if name.startswith("koff_"):
        return "per_minute"
    if name.startswith("rate_") or name.endswith("_flux"):
        return "item_per_minute"
    if name == "Smad7_repression":
        return "dimensionless"
    if readout_units.get(name) == "pM":
        return "pM"
    if readout_units.get(name) == "molecule/(cell*min)":
        return "item_per_minute"
    if readout_units.get(name) == "dimensionless":
        return "dimensionless"
    return "item"           # observables and chain-count readouts are amounts per cell


RECEPTORS = ("TBRII", "ActRII", "ALK5")


# -- source hash: exports are current when the model code and tables are unchanged -------------
def source_files() -> list[Path]:
    pkg = Path(resources.files("alk5_pysb"))
    files = sorted((pkg / "model").glob("*.py")) + sorted((pkg / "data").glob("*.csv"))
    return files + [pkg / "io" / name for name in ("export.py", "annotate.py", "sedml.py", "interop.py",
                                                   "regimen_sbml.py", "sbml_rest.py")] + [
        pkg / "calibration" / "literature.py",
        pkg / "simulation" / "experiment.py", pkg / "pharmacology" / "pk.py", pkg / "pharmacology" / "compounds.py"]


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# -- species naming and placement ------------------------------------------------------------
def _monomer_label(mp) -> str:
    states = [str(v) for v in mp.site_conditions.values() if isinstance(v, str)]
    return "_".join([mp.monomer.name] + states)


def species_ids(model) -> list[str]:
    """Readable, unique SBML ids for the generated species (key dose species get fixed ids)."""
    ids, seen = [], Counter()
    for cp in model.species:
        mps = cp.monomer_patterns
        names = [mp.monomer.name for mp in mps]
        sid = None
        if names == ["L"] and mps[0].site_conditions.get("ns") == "f":
            sid = LIGAND_SPECIES[mps[0].site_conditions["iso"]]
        elif names == ["BMP9"]:
            sid = LIGAND_SPECIES["BMP9"]
        elif names == ["Inhibitor"]:
            sid = INHIBITOR_SPECIES
        elif names == ["Trap"]:
            sid = TRAP_SPECIES
        if sid is None:
            sid = "__".join(_monomer_label(mp) for mp in mps)
        seen[sid] += 1
        ids.append(sid if seen[sid] == 1 else f"{sid}_{seen[sid]}")
    return ids


def compartment_of(cp) -> str:
    """Where a species lives (annotation; amounts are per cell)."""
    by_name = {mp.monomer.name: mp for mp in cp.monomer_patterns}
    for name in RECEPTORS:
        if name in by_name:
            return "plasma_membrane" if by_name[name].site_conditions.get("loc") == "s" else "endosome"
    if {"TBRIII", "ALK1", "ENG"} & set(by_name):
        return "plasma_membrane"
    if "BMP9" in by_name:
        return "medium"
    if "L" in by_name:
        return "plasma_membrane" if by_name["L"].site_conditions.get("ns") == "b" else "medium"
    if "Trap" in by_name:
        return "medium"
    for name in ("Smad2", "Smad3", "Smad4"):
        if name in by_name:
            return "nucleus" if by_name[name].site_conditions.get("loc") == "n" else "cytoplasm"
    if "PPM1A" in by_name or "coTF" in by_name:
        return "nucleus"
    return "cytoplasm"


# -- SBML -----------------------------------------------------------------------------------
def _xml_escape(text) -> str:
    from xml.sax.saxutils import escape
    return escape(str(text))


def _add_units(smodel):
    add_unit_definitions(smodel, UNITS)
    smodel.setSubstanceUnits("item")
    smodel.setExtentUnits("item")
    smodel.setTimeUnits("minute")
    smodel.setVolumeUnits("litre")
    smodel.setAreaUnits("m2")


def _notes(model, table) -> str:
    counts = f"{len(model.species)} species, {len(model.reactions)} reactions, {len(model.rules)} rules"
    blocks = ", ".join(getattr(model, "blocks", ()))
    return f"""<body xmlns="http://www.w3.org/1999/xhtml">
<h1>alk5-pysb {__version__}: rule-based model of ALK5 (TGF-beta type I receptor) signalling</h1>
<p>Generated from PySB rules by BioNetGen and post-processed with libsbml. Blocks: {blocks}. Network: {counts}.</p>
<p>Units: species are amounts in molecules per cell (hasOnlySubstanceUnits), time in minutes.
Compartment sizes are those of one cell and its share of medium (V_medium, 1e6 cells in 2 mL).
Bimolecular constants from the literature in 1/(nM*min) appear as parameters and are converted to
per-molecule constants by the *_per_molecule assignment rules.</p>
<p>Resting state: initial amounts are NOT the resting steady state. Simulate without ligand to steady
state first (the alk5 simulator does this, ~1e5 min), then add ligand by setting the species
TGFB1_medium (molecules per cell = dose in pM * 1e-3 * molecules_per_nM_medium).</p>
<p>Readouts are the named assignment-rule parameters (pSmad2, nuc_Smad2, receptor_complex, ...);
receptor readouts count receptor chains, free_ligand is in pM.</p>
<p>Main sources: Zi et al. 2011 Mol Syst Biol 7:492; Schmierer et al. 2008 PNAS 105:6608; Vilar et al. 2006
PLoS Comput Biol 2:e3; Clarke et al. 2006 IEE Proc Syst Biol 153:412; Lucarelli et al. 2018 Cell Syst 6:75;
every parameter's source is in the parameter table shipped with alk5-pysb (data/parameters.csv).</p>
</body>"""


def to_sbml(model, table=None) -> str:
    """SBML L3V2 text of the generated network, with readable ids, compartments, units, notes."""
    from pysb.export.sbml import SbmlExporter
    configure_pysb()
    table = table or default_table()
    text = SbmlExporter(model).export()
    ids = species_ids(model)
    observable_ids = [obs.name for obs in model.observables]
    text = re.sub(r"(?<![\w])__s(\d+)(?![\w])", lambda mt: ids[int(mt.group(1))], text)
    text = re.sub(r"(?<![\w])__obs(\d+)(?![\w])", lambda mt: observable_ids[int(mt.group(1))], text)

    doc = libsbml.readSBMLFromString(text)
    smodel = doc.getModel()
    smodel.setId(model.name)
    _add_units(smodel)
    smodel.setNotes(_notes(model, table))

    default = smodel.getCompartment("default")
    smodel.removeCompartment(default.getId())
    for cid, (size_param, dims, units) in COMPARTMENTS.items():
        comp = smodel.createCompartment()
        comp.setId(cid)
        comp.setName(cid.replace("_", " "))
        comp.setSpatialDimensions(dims)
        comp.setSize(table.value(size_param))
        comp.setUnits(units)
        comp.setConstant(True)
    for sid, cp in zip(ids, model.species):
        sp = smodel.getSpecies(sid)
        sp.setCompartment(compartment_of(cp))
        sp.setSubstanceUnits("item")

    from alk5_pysb.simulation.simulator import readout_table
    readout_units = readout_table()["unit"].to_dict()
    rule_targets = {rule.getVariable() for rule in smodel.getListOfRules()}
    for i, param in enumerate(smodel.getListOfParameters()):
        pid = param.getId()
        if pid in rule_targets:
            param.setUnits(expression_units(pid, readout_units, table))
        if pid in table.frame.index:
            param.setUnits(TABLE_UNIT_TO_SBML[table.unit(pid)])
            row = table.row(pid)
            param.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{_xml_escape(row["description"])} '
                           f'[{_xml_escape(row["unit"])}]; {row["evidence"]}: {_xml_escape(row["source"])}</p></body>')

    # explicit stoichiometry; a species listed twice becomes stoichiometry 2
    rule_counter = Counter()
    for reaction in smodel.getListOfReactions():
        first_rule = reaction.getName().split(" + ")[0]
        rule_counter[first_rule] += 1
        for getter in (reaction.getListOfReactants, reaction.getListOfProducts):
            refs = getter()
            counts = Counter(ref.getSpecies() for ref in refs)
            for idx in reversed(range(refs.size())):
                ref = refs.get(idx)
                if counts[ref.getSpecies()] == 0:
                    refs.remove(idx)
                    continue
                ref.setStoichiometry(counts[ref.getSpecies()])
                counts[ref.getSpecies()] = 0
        # modifiers: PySB lists them in set order (varies with the hash seed) and may repeat them
        mods = reaction.getListOfModifiers()
        modifier_ids = sorted({mods.get(i).getSpecies() for i in range(mods.size())})
        while mods.size():
            mods.remove(0)
        for sid in modifier_ids:
            reaction.createModifier().setSpecies(sid)
    # readable reaction ids: <first rule>_<n>; the kinetic laws never refer to reaction ids
    used = Counter()
    for reaction in smodel.getListOfReactions():
        rule = re.sub(r"\W", "_", reaction.getName().split(" + ")[0])
        used[rule] += 1
        reaction.setId(f"{rule}_{used[rule]}")
    for rule in smodel.getListOfRules():
        _set_literal_units(rule)
    for ia in smodel.getListOfInitialAssignments():
        _set_literal_units(ia)
    for reaction in smodel.getListOfReactions():
        _set_literal_units(reaction.getKineticLaw())
    from alk5_pysb.io.annotate import annotate
    annotate(doc, model, ids, table)
    return libsbml.writeSBMLToString(doc)


def _set_literal_units(element):
    math = element.getMath().deepCopy()
    _literal_units(math)
    element.setMath(math)


def validate_sbml(text: str, units: bool = False) -> list[str]:
    """libsbml consistency check; returns errors, SBO-term warnings and (units=True) unit warnings."""
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, units)
    doc.checkConsistency()
    problems = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        sbo = err.getCategory() == libsbml.LIBSBML_CAT_SBO_CONSISTENCY
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR or sbo or \
                (units and err.getCategory() == libsbml.LIBSBML_CAT_UNITS_CONSISTENCY):
            problems.append(f"{err.getSeverityAsString()} {err.getErrorId()}: {err.getShortMessage()} (line {err.getLine()})")
    return problems


# -- other formats and the model card ----------------------------------------------------------
def to_bngl(model) -> str:
    from pysb.export import export
    configure_pysb()
    return export(model, "bngl")


def to_net(model) -> str:
    import pysb.bng
    configure_pysb()
    return pysb.bng.generate_network(model)


def model_card(model, table=None, timings=None) -> str:
    table = table or default_table()
    frame = table.frame
    lines = [
        "# alk5-pysb model card (generated by `make models`; do not edit)",
        "",
        f"Model `{model.name}`; blocks: {', '.join(getattr(model, 'blocks', ()))}.",
        "",
        "| size | count |", "|---|---|",
        f"| monomers | {len(model.monomers)} |", f"| rules | {len(model.rules)} |",
        f"| parameters (table) | {len(frame)} |", f"| observables | {len(model.observables)} |",
        f"| generated species | {len(model.species)} |", f"| generated reactions | {len(model.reactions)} |",
        "",
        "Files: `alk5.sbml` (SBML L3V2, libsbml-validated), `alk5_rest.sbml` (the same, starting at the resting "
        "steady state; ligand added by an event: `dose_TGFB1_pM`, `ligand_time_min`, `Inhibitor_0`), "
        "`alk5_experiments.sedml` and `alk5.omex` (SED-ML standard experiments in a COMBINE archive), "
        "`alk5.ant` (Antimony), `petab/` (PEtab calibration problem), `alk5.bngl` (BioNetGen rules), "
        "`alk5.net` (the generated reaction network), `alk5_regimen.sbml` (the TGF-beta1 network under an oral "
        "galunisertib regimen: a PK sub-model drives the unbound drug; `alk5 regimen` makes others), "
        "`alk5_fibrosis.sbml` (the TGF-beta1 network with the fibrosis block: alpha-SMA, collagen, fibronectin, "
        "autocrine latent TGF-beta1; the fibroblast context), `alk5_cytostasis.sbml` (the TGF-beta1 network with "
        "the cytostasis block: MYC, p15, p21 and G1/S CDK activity), `alk5_emt.sbml` (the cytostasis network with "
        "the EMT block: SNAI1, HMGA2, the ZEB-miR-200 switch, E-cadherin, vimentin, autocrine TGF-beta; the "
        "epithelial context), `alk5_endothelial.sbml` (the TGF-beta1 network with the endothelial block: BMP9, "
        "ALK1, endoglin, Smad1/5, ID1; the endothelial context), `MANIFEST.json` (source hash and counts).",
        "",
        "Solver tolerances in other tools: amounts are molecules per cell (10^2-10^5), so give the absolute "
        "tolerance per species, about 1e-6 molecules (libRoadRunner/tellurium: "
        "`r.integrator.setValue('absolute_tolerance', [1e-6] * n)`, n floating species). A scalar absolute "
        "tolerance is rescaled per species by its initial amount in libRoadRunner, which leaves ~1e-17 molecules "
        "for the species that start at 0 (the dose, the inhibitor): with a relative tolerance of 1e-8 or tighter "
        "CVODE then fails right after the dose event at t = 0+ (`alk5_rest.sbml`). alk5 itself passes a vector.",
        "",
        "## Evidence (what each number rests on: measured for this molecule, taken from a published model, "
        "derived from other entries, fitted by `alk5 calibrate`, or assumed)",
        "",
    ]
    counts = evidence_counts(table)
    lines += ["| block | " + " | ".join(counts.columns) + " |", "|---" * (len(counts.columns) + 1) + "|"]
    lines += [f"| {block} | " + " | ".join(str(v) for v in row) + " |" for block, row in counts.iterrows()]
    lines += measure_next_section()
    lines += ["", "## Parameters", "",
              "Range: the distribution every ensemble draws from (`alk5 info` gives each range's reason).", "",
              "| name | value | unit | block | evidence | range | cell type | source |",
              "|---|---|---|---|---|---|---|---|"]
    for name, row in frame.iterrows():
        source = str(row["source"]).replace("|", "/")
        spread = "point" if row["distribution"] == "point" else \
            f"{row['distribution']} {float(row['low']):.3g}-{float(row['high']):.3g}"
        lines.append(f"| {name} | {row['value']:.6g} | {row['unit']} | {row['block']} | {row['evidence']} | "
                     f"{spread} | {row.get('cell_type', '')} | {source} |")
    return "\n".join(lines) + "\n"


def measure_next_section() -> list[str]:
    """The constants each headline prediction rests on most (data/measure_next.csv, from alk5 measure-next)."""
    from importlib import resources
    import pandas as pd
    with resources.as_file(resources.files("alk5_pysb").joinpath("data/measure_next.csv")) as path:
        ranking = pd.read_csv(path, keep_default_na=False)
    lines = ["", "## What to measure next", "",
             f"Each headline prediction's spread over the literature-constrained ensemble attributed to the constants "
             f"(Sobol total-order index ST with its 95% bootstrap half-width, {int(ranking['runs'].iloc[0])} runs; the "
             "constants drawn independently from the accepted members' marginals; constants outside the prior "
             "screen grouped by evidence class; `alk5 measure-next`), the three largest, and the experiment that "
             "would measure each.", "",
             "| prediction | constant (evidence) | ST | experiment |", "|---|---|---|---|"]
    for row in ranking.itertuples():
        lines.append(f"| {row.prediction} | {row.factor} ({row.evidence}) | {row.ST:.2f} ± {row.ST_conf:.2f} | "
                     f"{row.experiment or '(a group: no single assay)'} |")
    return lines


def render_all(model=None, table=None) -> dict[str, str | bytes]:
    """All export files as {file name: text}."""
    from alk5_pysb.model import build_model
    table = table or default_table()
    model = model or build_model(table=table)
    sbml = to_sbml(model, table)
    problems = validate_sbml(sbml)
    if problems:
        raise RuntimeError("generated SBML does not validate: " + "; ".join(problems[:5]))
    manifest = {
        "source_hash": source_hash(),
        "alk5_pysb": __version__,
        "species": len(model.species),
        "reactions": len(model.reactions),
        "rules": len(model.rules),
        "parameters": len(table.frame),
        "observables": len(model.observables),
    }
    def network(what, file, **options):
        """One more network of the same table: its validated SBML and its manifest entry."""
        built = build_model(table=table, ligands=("TGFB1",), **options)
        text = to_sbml(built, table)
        problems = validate_sbml(text)
        if problems:
            raise RuntimeError(f"generated {what} SBML does not validate: " + "; ".join(problems[:5]))
        return text, {"file": file, "species": len(built.species), "reactions": len(built.reactions),
                      "rules": len(built.rules)}
    lean, manifest["tgfb1_network"] = network("TGF-beta1", TGFB1_SBML_FILE)
    fibrosis, manifest["fibrosis_network"] = network("fibrosis", FIBROSIS_SBML_FILE, modules={"fibrosis"})
    cytostasis, manifest["cytostasis_network"] = network("cytostasis", CYTOSTASIS_SBML_FILE, modules={"cytostasis"})
    emt, manifest["emt_network"] = network("EMT", EMT_SBML_FILE, modules={"cytostasis", "emt"})
    endothelial, manifest["endothelial_network"] = network("endothelial", ENDOTHELIAL_SBML_FILE,
                                                           modules={"endothelial"})
    from alk5_pysb.io.interop import to_antimony
    rest = resting_sbml(sbml)
    problems = validate_sbml(rest)
    if problems:
        raise RuntimeError("resting-state SBML does not validate: " + "; ".join(problems[:5]))
    from alk5_pysb.io import sedml as sed
    experiments = sed.to_sedml(rest)
    problems = sed.sedml_errors(experiments)
    if problems:
        raise RuntimeError("generated SED-ML does not validate: " + "; ".join(problems[:5]))
    from alk5_pysb.calibration import literature
    petab_files = {f"petab/{name}": text for name, text in literature.render().items()}
    from alk5_pysb.io.regimen_sbml import REGIMEN_SBML_FILE, default_regimen_sbml
    regimen = default_regimen_sbml(lean)
    problems = validate_sbml(regimen)
    if problems:
        raise RuntimeError("regimen SBML does not validate: " + "; ".join(problems[:5]))
    return {
        **petab_files,
        SBML_FILE: sbml,
        TGFB1_SBML_FILE: lean,
        FIBROSIS_SBML_FILE: fibrosis,
        CYTOSTASIS_SBML_FILE: cytostasis,
        EMT_SBML_FILE: emt,
        ENDOTHELIAL_SBML_FILE: endothelial,
        REST_SBML_FILE: rest,
        REGIMEN_SBML_FILE: regimen,
        SEDML_FILE: experiments,
        OMEX_FILE: sed.to_omex(rest, experiments),
        ANTIMONY_FILE: to_antimony(sbml),
        BNGL_FILE: to_bngl(model),
        NET_FILE: to_net(model),
        CARD_FILE: model_card(model, table),
        MANIFEST_FILE: json.dumps(manifest, indent=2) + "\n",
    }


def exports_current(outdir: Path) -> bool:
    manifest = Path(outdir) / MANIFEST_FILE
    if not manifest.is_file():
        return False
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["source_hash"]
    except (ValueError, KeyError):
        return False
    files = [SBML_FILE, TGFB1_SBML_FILE, FIBROSIS_SBML_FILE, REST_SBML_FILE, SEDML_FILE, OMEX_FILE, ANTIMONY_FILE, BNGL_FILE, NET_FILE, CARD_FILE]
    return recorded == source_hash() and all((Path(outdir) / f).is_file() for f in files)


def export_all(outdir, force: bool = False) -> bool:
    """Write every export into outdir unless current. Returns True if files were written."""
    outdir = Path(outdir)
    if not force and exports_current(outdir):
        return False
    for name, text in render_all().items():
        atomic_write(outdir / name, text, make_folder=True)
    return True
