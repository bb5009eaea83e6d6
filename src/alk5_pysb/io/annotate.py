"""MIRIAM annotations, SBO terms, metaids and model history for the exported SBML.

Identifiers come from ``data/annotations.csv`` (one row per monomer and identifier, with the
qualifier and whether the identifier was checked against its database entry). Only verified rows
are written. A species made of one kind of monomer takes that monomer's qualifiers; a complex is
annotated ``bqbiol:hasPart`` with its members' identifiers.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import libsbml
import pandas as pd

QUALIFIERS = {
    "bqbiol:is": libsbml.BQB_IS, "bqbiol:hasVersion": libsbml.BQB_HAS_VERSION,
    "bqbiol:isVersionOf": libsbml.BQB_IS_VERSION_OF, "bqbiol:hasPart": libsbml.BQB_HAS_PART,
    "bqbiol:isEncodedBy": libsbml.BQB_IS_ENCODED_BY, "bqbiol:hasProperty": libsbml.BQB_HAS_PROPERTY,
}
# SBO terms used (Systems Biology Ontology)
SBO_POLYPEPTIDE, SBO_COMPLEX, SBO_SIMPLE_CHEMICAL, SBO_MRNA = 252, 253, 247, 250  # 250 ribonucleic acid (libsbml rejects 278 on species)
SBO_COMPARTMENT, SBO_REACTION, SBO_PARAMETER, SBO_KINETIC_CONSTANT = 290, 176, 2, 9
CREATED = "2026-11-25T00:00:00Z"     # fixed, so that exports are reproducible byte for byte


@lru_cache(maxsize=1)
def annotation_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/annotations.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str)


@lru_cache(maxsize=1)
def reference_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/references.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str)


def _uri(database: str, identifier: str) -> str:
    return f"http://identifiers.org/{database}/{identifier}"


def _add_terms(element, rows):
    """One CVTerm per qualifier with all its resources."""
    if not element.isSetMetaId():
        element.setMetaId(f"meta_{element.getId()}")
    for qualifier, group in rows.groupby("qualifier", sort=True):
        term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
        term.setBiologicalQualifierType(QUALIFIERS[qualifier])
        for _, row in group.iterrows():
            term.addResource(_uri(row["database"], row["identifier"]))
        element.addCVTerm(term)


def _species_sbo(names: list[str]) -> int:
    if len(names) > 1:
        return SBO_COMPLEX
    name = names[0]
    if name.startswith(("mRNA_", "miRNA_")):      # messenger RNAs and the miR-200 family: ribonucleic acid
        return SBO_MRNA
    if name == "Inhibitor":
        return SBO_SIMPLE_CHEMICAL
    if name == "Trap":          # an antibody: an immunoglobulin complex
        return SBO_COMPLEX
    return SBO_POLYPEPTIDE


def annotate(doc: libsbml.SBMLDocument, model, species_ids: list[str], table) -> None:
    smodel = doc.getModel()
    rows = annotation_table()
    rows = rows[rows["verified"] == "yes"]
    by_monomer = {name: grp for name, grp in rows.groupby("monomer")}
    smodel.setMetaId(f"meta_{smodel.getId()}")
    # metaids on every element that has an id, and on rules (keyed by their variable)
    # (explicit lists: getListOfAllElements() returns untyped items once antimony has loaded its own libsbml)
    for elements in (smodel.getListOfCompartments(), smodel.getListOfSpecies(), smodel.getListOfParameters(),
                     smodel.getListOfReactions(), smodel.getListOfUnitDefinitions(), smodel.getListOfEvents()):
        for element in elements:
            if element.isSetId() and not element.isSetMetaId():
                element.setMetaId(f"meta_{element.getId()}")
    for rule in smodel.getListOfRules():
        rule.setMetaId(f"meta_rule_{rule.getVariable()}")
    for ia in smodel.getListOfInitialAssignments():
        ia.setMetaId(f"meta_init_{ia.getSymbol()}")
    for comp in smodel.getListOfCompartments():
        comp.setSBOTerm(SBO_COMPARTMENT)
        if comp.getId() in by_monomer:
            _add_terms(comp, by_monomer[comp.getId()])
    def rows_of(mp):
        """A monomer pattern's rows; a ligand of a given isoform is exactly that protein."""
        grp = by_monomer.get(mp.monomer.name)
        iso = mp.site_conditions.get("iso")
        if grp is not None and isinstance(iso, str):
            grp = grp[grp["entity"].str.contains(f"({iso}", regex=False) | grp["entity"].str.startswith(iso)]
            grp = grp.assign(qualifier="bqbiol:is")
        return grp

    for sid, cp in zip(species_ids, model.species):
        sp = smodel.getSpecies(sid)
        names = sorted({mp.monomer.name for mp in cp.monomer_patterns})
        sp.setSBOTerm(_species_sbo(names) if len(cp.monomer_patterns) == 1 else SBO_COMPLEX)
        if len(cp.monomer_patterns) == 1:
            grp = rows_of(cp.monomer_patterns[0])
            if grp is not None and len(grp):
                _add_terms(sp, grp)
        else:
            parts = pd.concat([g for g in map(rows_of, cp.monomer_patterns) if g is not None])
            parts = parts[parts["qualifier"] != "bqbiol:isEncodedBy"].assign(qualifier="bqbiol:hasPart")
            _add_terms(sp, parts.drop_duplicates(["database", "identifier"]))
    for reaction in smodel.getListOfReactions():
        reaction.setSBOTerm(SBO_REACTION)
    references = reference_table()
    for param in smodel.getListOfParameters():
        pid = param.getId()
        is_rate = pid in table.frame.index and str(table.unit(pid)).startswith("1/")
        param.setSBOTerm(SBO_KINETIC_CONSTANT if is_rate else SBO_PARAMETER)
        if pid in table.frame.index:   # provenance: the papers the value comes from
            source = str(table.row(pid)["source"])
            cited = references[[pattern in source for pattern in references["pattern"]]]
            if len(cited):
                term = libsbml.CVTerm(libsbml.BIOLOGICAL_QUALIFIER)
                term.setBiologicalQualifierType(libsbml.BQB_IS_DESCRIBED_BY)
                for _, ref in cited.iterrows():
                    term.addResource(_uri(ref["database"], ref["identifier"]))
                param.addCVTerm(term)
    history = libsbml.ModelHistory()
    creator = libsbml.ModelCreator()
    creator.setFamilyName("alk5-pysb")
    creator.setGivenName("developers")
    creator.setOrganisation("alk5-pysb project")
    history.addCreator(creator)
    history.setCreatedDate(libsbml.Date(CREATED))
    history.setModifiedDate(libsbml.Date(CREATED))
    smodel.setModelHistory(history)


def annotation_problems(sbml: str) -> list[str]:
    """What a curator would flag: elements without metaid, proteins without UniProt, compartments without GO."""
    doc = libsbml.readSBMLFromString(sbml)
    m = doc.getModel()
    problems = []
    for kind, elements in (("species", m.getListOfSpecies()), ("reaction", m.getListOfReactions()),
                           ("parameter", m.getListOfParameters()), ("compartment", m.getListOfCompartments())):
        problems += [f"{kind} {e.getId()} has no metaid" for e in elements if not e.isSetMetaId()]

    def resources(element):
        return [element.getCVTerm(i).getResources().getValue(j) for i in range(element.getNumCVTerms())
                for j in range(element.getCVTerm(i).getResources().getLength())]

    for sp in m.getListOfSpecies():
        # an unidentified, lumped factor (no gene product to name) carries a GO function term instead
        if sp.getSBOTermID() == f"SBO:{SBO_POLYPEPTIDE:07d}" and not any(
                "/uniprot/" in r or "/go/" in r for r in resources(sp)):
            problems.append(f"protein species {sp.getId()} has no UniProt (or, if unidentified, GO) annotation")
    for comp in m.getListOfCompartments():
        if not any("/go/" in r for r in resources(comp)):
            problems.append(f"compartment {comp.getId()} has no GO annotation")
    return problems
