import json

import libsbml
import pytest

from alk5_pysb.io.export import COMPARTMENTS, export_all, exports_current, source_hash, validate_sbml
from conftest import MODELS


def test_committed_exports_are_current(rendered):
    """Fails when the model code or tables changed and `make models` was not run."""
    manifest = json.loads((MODELS / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["source_hash"] == source_hash(), "models/ is stale: run `make models`"
    for name, content in rendered.items():
        committed = (MODELS / name).read_bytes() if isinstance(content, bytes) else (MODELS / name).read_text(encoding="utf-8")
        assert committed == content, f"models/{name} differs from what the code generates: run `make models`"


@pytest.mark.parametrize("name", ["alk5.sbml", "alk5_rest.sbml", "alk5_regimen.sbml"])
def test_sbml_validates_with_zero_errors_and_zero_unit_warnings(name):
    text = (MODELS / name).read_text(encoding="utf-8")
    assert validate_sbml(text) == []
    assert validate_sbml(text, units=True) == []     # unit consistency: 0 errors, 0 warnings
    doc = libsbml.readSBMLFromString(text)
    m = doc.getModel()
    undeclared = [p.getId() for p in m.getListOfParameters() if not p.isSetUnits()]
    assert undeclared == []


def test_sbml_structure(sbml_text, model):
    doc = libsbml.readSBMLFromString(sbml_text)
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    m = doc.getModel()
    # readable ids: no PySB placeholders anywhere
    assert "__s" not in sbml_text.replace("__s", "", 0) or not any(
        s.getId().startswith("__s") for s in m.getListOfSpecies())
    assert not any(p.getId().startswith("__obs") for p in m.getListOfParameters())
    for obs in model.observables:
        assert m.getParameter(obs.name) is not None, obs.name
    for readout in ("pSmad2", "ALK5_active", "free_ligand", "total_TBRII"):
        assert m.getAssignmentRuleByVariable(readout) is not None
    # compartments with their sizes and units
    sizes = {c.getId(): c.getSize() for c in m.getListOfCompartments()}
    assert set(sizes) == set(COMPARTMENTS)
    assert sizes["cytoplasm"] == pytest.approx(2.3e-12) and sizes["medium"] == pytest.approx(2e-9)
    assert m.getTimeUnits() == "minute" and m.getSubstanceUnits() == "item"
    assert m.getUnitDefinition("per_nM_per_minute") is not None
    assert m.getParameter("k_int").getUnits() == "per_minute"
    # species sit in the right compartments, amounts per cell
    assert m.getSpecies("TGFB1_medium").getCompartment() == "medium"
    assert m.getSpecies("Smad2_c_u").getCompartment() == "cytoplasm"
    assert all(s.getHasOnlySubstanceUnits() for s in m.getListOfSpecies())
    # every species reference has an explicit stoichiometry
    for r in m.getListOfReactions():
        for ref in list(r.getListOfReactants()) + list(r.getListOfProducts()):
            assert ref.isSetStoichiometry()
    assert "rule-based model of ALK5" in m.getNotesString()


def test_export_all_skips_when_current(tmp_path):
    assert exports_current(MODELS)
    assert export_all(MODELS) is False           # nothing to do: hash unchanged
    assert not exports_current(tmp_path)


def test_sbml_annotations_complete(sbml_text):
    from alk5_pysb.io.annotate import annotation_problems
    assert annotation_problems(sbml_text) == []
    # the regimen model keeps every annotation and gives its PK parameters, rules and dose events metaids
    assert annotation_problems((MODELS / "alk5_regimen.sbml").read_text(encoding="utf-8")) == []
    doc = libsbml.readSBMLFromString(sbml_text)
    m = doc.getModel()
    assert m.getModelHistory().getNumCreators() == 1
    assert m.getSpecies("Smad2_c_u").getSBOTermID() == "SBO:0000252"
    assert "uniprot/Q15796" in libsbml.writeSBMLToString(doc)
    # the check can fail: strip one protein's annotation and it is reported
    m.getSpecies("Smad2_c_u").unsetCVTerms()
    assert annotation_problems(libsbml.writeSBMLToString(doc)) == ["protein species Smad2_c_u has no UniProt (or, if unidentified, GO) annotation"]


def test_only_verified_identifiers_are_written(sbml_text):
    from alk5_pysb.io.annotate import annotation_table
    table = annotation_table()
    for _, row in table[table["verified"] != "yes"].iterrows():
        assert f"{row['database']}/{row['identifier']}" not in sbml_text


def test_parameter_provenance_links(sbml_text):
    doc = libsbml.readSBMLFromString(sbml_text)
    param = doc.getModel().getParameter("k_int")           # Zi 2011 and Vilar 2006
    uris = {param.getCVTerm(0).getResources().getValue(i) for i in range(param.getCVTerm(0).getResources().getLength())}
    assert param.getCVTerm(0).getBiologicalQualifierType() == libsbml.BQB_IS_DESCRIBED_BY
    assert {"http://identifiers.org/pubmed/21613981", "http://identifiers.org/pubmed/16446785"} <= uris


def test_rest_sbml_runs_at_tight_tolerance_with_the_documented_absolute_tolerance():
    """Issue 20 defect 2: with the absolute tolerance given per species (the model card's advice) the dosed
    alk5_rest.sbml runs at rtol 1e-8 and agrees with the default tolerances; a scalar one is what fails."""
    import numpy as np
    import roadrunner
    text = (MODELS / "alk5_rest.sbml").read_text(encoding="utf-8")
    assert "absolute_tolerance', [1e-6] * n" in (MODELS / "README.md").read_text(encoding="utf-8")

    def run(rtol, atol):
        rr = roadrunner.RoadRunner(text)
        rr.integrator.relative_tolerance = rtol
        rr.integrator.setValue("absolute_tolerance", [atol] * rr.model.getNumFloatingSpecies())
        rr["dose_TGFB1_pM"] = 100.0
        return np.array(rr.simulate(0, 60, 7, selections=["time", "pSmad2"]))[:, 1]
    tight, default = run(1e-8, 1e-6), run(1e-6, 1e-9)
    np.testing.assert_allclose(tight, default, rtol=1e-4)
    assert tight[-1] > 100 * tight[0]
