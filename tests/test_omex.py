"""The COMBINE/OMEX archive is one that standard tools accept: BioSimulators validation, model
sources that are files in the archive, OMEX metadata, the simulator's tolerances in the SED-ML, and
dose events that every SBML importer (AMICI included) can compile. Tellurium reproducing the
archive's numbers is tested in test_interop.py.

The BioSimulators validator (biosimulators-utils) pins packages that the project's venv cannot
share, so it runs from its own venv: ``.venv-biosim`` (from scripts/requirements-biosim.txt), or the
Python named by ``ALK5_BIOSIM_PYTHON``. Without one, that test is skipped unless
``ALK5_REQUIRE_BIOSIM=1`` (then it fails).
"""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import libsbml
import pytest

from alk5_pysb.io import sedml
from conftest import MODELS, REPO

OMEX = MODELS / "alk5.omex"
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "manifest": "http://identifiers.org/combine.specifications/omex-manifest",
}


def _biosim_python() -> Path | None:
    path = os.environ.get("ALK5_BIOSIM_PYTHON") or REPO / ".venv-biosim" / "bin" / "python"
    return Path(path) if Path(path).is_file() else None


def _read(name: str) -> str:
    with zipfile.ZipFile(OMEX) as archive:
        return archive.read(name).decode()


def test_manifest_lists_every_file_with_its_format():
    root = ET.fromstring(_read("manifest.xml"))
    contents = {c.get("location"): c.get("format") for c in root.findall("manifest:content", NS)}
    assert contents == {".": sedml.FORMATS["omex"], f"./{sedml.SBML_NAME}": sedml.FORMATS["sbml"],
                        f"./{sedml.SEDML_NAME}": sedml.FORMATS["sedml"],
                        f"./{sedml.METADATA_NAME}": sedml.FORMATS["metadata"]}
    with zipfile.ZipFile(OMEX) as archive:
        assert sorted(archive.namelist()) == sorted(["manifest.xml", sedml.SBML_NAME, sedml.SEDML_NAME,
                                                     sedml.METADATA_NAME])
        # the archive carries the committed files, byte for byte
        assert archive.read(sedml.SBML_NAME).decode() == (MODELS / sedml.SBML_NAME).read_text(encoding="utf-8")
        assert archive.read(sedml.SEDML_NAME).decode() == (MODELS / sedml.SEDML_NAME).read_text(encoding="utf-8")


def test_standard_experiments_are_the_documented_ones():
    """What the archive promises (module docstring, OMEX description): 100 pM TGF-beta1 for 24 h,
    pSmad2 over 45 min for 0.1 pM-1 nM, and 10 uM SB-431542 (the model's default inhibitor) 60 min
    before 100 pM TGF-beta1, followed for 3 h."""
    experiments = sedml.standard_experiments()
    assert list(experiments) == ["timecourse_100pM", "dose_response_45min", "pretreatment_SB431542"]
    tc, dr, pre = experiments.values()
    assert (tc.ligand, tc.dose_pM, tc.inhibitor_nM, tc.t_end_min) == ("TGFB1", 100.0, 0.0, 1440.0)
    assert [(c.ligand, c.dose_pM, c.inhibitor_nM, c.t_end_min) for c in sedml.conditions("dose_response_45min")] == \
        [("TGFB1", dose, 0.0, 45.0) for dose in (0.1, 1.0, 10.0, 100.0, 1000.0)]
    assert dr.readouts == ("pSmad2",)
    assert (pre.ligand, pre.dose_pM, pre.inhibitor_nM, pre.compound, pre.pretreat_min, pre.inhibitor_at_min,
            pre.t_end_min) == ("TGFB1", 100.0, 10_000.0, None, 60.0, None, 180.0)
    assert all(e.washout_min is None and e.trap_nM == 0 and not e.params for e in experiments.values())


def _changes(model) -> dict[str, float]:
    return {model.getChange(i).getTarget().split("'")[1]: float(model.getChange(i).getNewValue())
            for i in range(model.getNumChanges())}


def test_sedml_models_are_files_in_the_archive_with_the_experiments_changes():
    import libsedml
    doc = libsedml.readSedMLFromString(_read(sedml.SEDML_NAME))
    assert (doc.getLevel(), doc.getVersion()) == sedml.SEDML_LEVEL_VERSION
    experiments = sedml.standard_experiments()
    models = sorted(doc.getModel(i).getId() for i in range(doc.getNumModels()))
    assert models == sorted(f"model_{task}" for task in experiments)
    for i in range(doc.getNumModels()):
        model = doc.getModel(i)
        assert model.getSource() == sedml.SBML_NAME, model.getId()   # no model-to-model reference to resolve
    # every model is its experiment's sbml_changes, nothing else (a repeated task: its first run)
    for task in experiments:
        assert _changes(doc.getModel(f"model_{task}")) == sedml.conditions(task)[0].sbml_changes(), task
    assert _changes(doc.getModel("model_pretreatment_SB431542")) == {
        "dose_TGFB1_pM": 100, "dose_TGFB2_pM": 0, "dose_TGFB3_pM": 0, "dose_GDF11_pM": 0,
        "ligand_time_min": 60, "Inhibitor_0": 10_000, "Trap_0": 0, "inhibitor_time_min": 0}   # inhibitor from the start
    # the dose response repeats its experiment over the dose: one range, the doses' sbml_changes
    repeated = doc.getTask("dose_response_45min")
    assert repeated.getTypeCode() == libsedml.SEDML_TASK_REPEATEDTASK and repeated.getResetModel()
    assert repeated.getNumTaskChanges() == 1 and repeated.getNumRanges() == 1
    assert repeated.getTaskChange(0).getTarget().split("'")[1] == "dose_TGFB1_pM"
    values = repeated.getRange(0)
    assert [values.getValues()[i] for i in range(values.getNumValues())] == \
        [c.sbml_changes()["dose_TGFB1_pM"] for c in sedml.conditions("dose_response_45min")]
    # each simulation covers its experiment's window and grid, pre-treatment included
    for task, experiment in experiments.items():
        sim = doc.getSimulation(f"sim_{task}")
        assert (sim.getInitialTime(), sim.getOutputStartTime(), sim.getOutputEndTime(), sim.getNumberOfPoints()) == \
            (0.0, 0.0, experiment.pretreat_min + experiment.t_end_min, experiment.n_points - 1), task


def test_model_source_resolution_prepends_the_parents_changes():
    import libsedml
    doc = libsedml.SedDocument(1, 4)
    for mid, source, changes in (("a", "file.sbml", {"p": "1"}), ("b", "a", {"q": "2"}), ("c", "b", {"p": "3"})):
        model = doc.createModel()
        model.setId(mid)
        model.setSource(source)
        model.setLanguage("urn:sedml:language:sbml.level-3.version-2")
        for name, value in changes.items():
            change = model.createChangeAttribute()
            change.setTarget(f"/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='{name}']/@value")
            change.setNewValue(value)
    sedml._resolve_model_sources(doc)
    resolved = {}
    for i in range(doc.getNumModels()):
        model = doc.getModel(i)
        resolved[model.getId()] = (model.getSource(), [(model.getChange(j).getTarget().split("'")[1],
                                                        model.getChange(j).getNewValue())
                                                       for j in range(model.getNumChanges())])
    assert resolved == {"a": ("file.sbml", [("p", "1")]), "b": ("file.sbml", [("p", "1"), ("q", "2")]),
                        "c": ("file.sbml", [("p", "1"), ("q", "2"), ("p", "3")])}   # the last change wins


def test_sedml_algorithm_carries_the_simulators_settings(sim):
    import libsedml
    from alk5_pysb.simulation.simulator import Simulator
    defaults = inspect.signature(Simulator).parameters
    assert (sedml.RTOL, sedml.ATOL) == (defaults["rtol"].default, defaults["atol"].default)
    assert (sedml.RTOL, sedml.ATOL) == (sim.rtol, sim.atol)
    assert sedml.MAX_STEPS == sim.rr.integrator.maximum_num_steps
    doc = libsedml.readSedMLFromString(_read(sedml.SEDML_NAME))
    assert doc.getNumSimulations() == 3
    for i in range(doc.getNumSimulations()):
        algorithm = doc.getSimulation(i).getAlgorithm()
        assert algorithm.getKisaoID() == "KISAO:0000019"          # CVODE
        params = {algorithm.getAlgorithmParameter(j).getKisaoID(): float(algorithm.getAlgorithmParameter(j).getValue())
                  for j in range(algorithm.getNumAlgorithmParameters())}
        assert params == {"KISAO:0000209": sim.rtol, "KISAO:0000211": sim.atol,
                          "KISAO:0000415": float(sim.rr.integrator.maximum_num_steps)}


def test_omex_metadata_describes_the_archive():
    root = ET.fromstring(_read(sedml.METADATA_NAME))
    about = {d.get(f"{{{NS['rdf']}}}about"): d for d in root.findall("rdf:Description", NS)}
    archive = about[sedml.ARCHIVE_URI]
    assert archive.findtext("dc:title", namespaces=NS) == sedml.TITLE
    assert len(archive.findtext("dc:description", namespaces=NS)) > 200
    assert archive.findtext("dc:abstract", namespaces=NS)
    creators = [c.findtext("rdf:Description/foaf:name", namespaces=NS) for c in archive.findall("dc:creator", NS)]
    assert creators == ["alk5-pysb developers"]
    license_uri = archive.find("dc:license/rdf:Description/dc:identifier", NS).get(f"{{{NS['rdf']}}}resource")
    assert license_uri == "http://identifiers.org/spdx:MIT"
    created = archive.findtext("dc:created/rdf:Description/dcterms:W3CDTF", namespaces=NS)
    from alk5_pysb.io.annotate import CREATED
    assert created == CREATED[:10]
    taxa = [t.get(f"{{{NS['rdf']}}}resource") for t in archive.findall("bqbiol:hasTaxon/rdf:Description/dc:identifier",
                                                                         {**NS, "bqbiol": "http://biomodels.net/biology-qualifiers/"})]
    assert taxa == ["http://identifiers.org/taxonomy/9606"]
    # the two files in the archive are described too
    assert f"{sedml.ARCHIVE_URI}/{sedml.SBML_NAME}" in about and f"{sedml.ARCHIVE_URI}/{sedml.SEDML_NAME}" in about


def test_dose_events_use_constant_parameters_only():
    """AMICI 1.0.1 generated C++ that did not compile when an event assignment referred to an
    assignment-rule parameter (dose_TGFB1_molecules, molecules_per_nM_medium); the resting-state SBML
    must give every event assignment in constant parameters, species and compartments only."""
    doc = libsbml.readSBMLFromString(_read(sedml.SBML_NAME))
    m = doc.getModel()
    rule_targets = {r.getVariable() for r in m.getListOfRules()}

    def names(node):
        found = {node.getName()} if node.isName() else set()
        for i in range(node.getNumChildren()):
            found |= names(node.getChild(i))
        return found

    assert m.getNumEvents() == 2
    seen = set()
    for event in m.getListOfEvents():
        for ea in event.getListOfEventAssignments():
            used = names(ea.getMath())
            seen |= used
            assert not used & rule_targets, (event.getId(), ea.getVariable(), used & rule_targets)
            for name in used:
                par = m.getParameter(name)
                assert par is None or par.getConstant(), name
    assert {"dose_TGFB1_pM", "Trap_0", "Inhibitor_0", "N_A", "V_medium", "V_cytoplasm"} <= seen


def _run_biosim(code: str, *args) -> subprocess.CompletedProcess:
    python = _biosim_python()
    return subprocess.run([str(python), "-W", "ignore", "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=600)


METADATA = """
import json, sys, warnings
from biosimulators_utils.omex_meta.io import BiosimulationsOmexMetaReader
from biosimulators_utils.utils.core import flatten_nested_list_of_strings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    metadata, errors, warns = BiosimulationsOmexMetaReader().run(sys.argv[1])
archive = [md for md in metadata or [] if md["uri"] == "."]
print(json.dumps({"errors": flatten_nested_list_of_strings(errors) if errors else "",
                  "warnings": flatten_nested_list_of_strings(warns) if warns else "",
                  "metadata": archive[0] if archive else None}, default=str))
"""


def test_biosimulators_validates_the_archive(tmp_path):
    if _biosim_python() is None:
        if os.environ.get("ALK5_REQUIRE_BIOSIM") == "1":
            pytest.fail("no BioSimulators venv: run `make .venv-biosim/.install.stamp`")
        pytest.skip("no BioSimulators venv (.venv-biosim, from scripts/requirements-biosim.txt)")
    cli = _biosim_python().parent / "biosimulators-utils"
    result = subprocess.run([str(cli), "validate-project", str(OMEX)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is not a valid COMBINE/OMEX archive" not in result.stdout + result.stderr
    assert "does not contain an OMEX Metadata file" not in result.stdout + result.stderr
    # what it still warns about is understood: XPaths are checked against the unchanged model, and
    # the dose response is a repeated task (not every simulator runs those)
    warnings = result.stderr[result.stderr.find("The COMBINE/OMEX archive has warnings."):]
    for line in warnings.splitlines()[1:]:
        assert ("XPath" in line or "repeated tasks" in line or "has warnings" in line
                or "warnings.warn(" in line or not line.strip()), line
    # the metadata is read with the BioSimulations schema, not just present
    metadata = tmp_path / sedml.METADATA_NAME
    metadata.write_text(_read(sedml.METADATA_NAME), encoding="utf-8")
    result = _run_biosim(METADATA, metadata)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["errors"] == "" and report["warnings"] == "", report
    md = report["metadata"]
    assert md["title"] == sedml.TITLE
    assert [c["label"] for c in md["creators"]] == ["alk5-pysb developers"]
    assert md["license"] == {"uri": "http://identifiers.org/spdx:MIT", "label": "MIT"}
    assert md["created"] and md["description"] and md["abstract"]
    assert {"uri": "http://identifiers.org/taxonomy/9606", "label": "Homo sapiens"} in md["taxa"]


def test_biosimulators_rejects_a_broken_archive(tmp_path):
    """The validation test can fail: the archive as it was before (a SED-ML model whose source is
    another model's id, no metadata) is reported invalid."""
    if _biosim_python() is None:
        pytest.skip("no BioSimulators venv (.venv-biosim, from scripts/requirements-biosim.txt)")
    broken = tmp_path / "broken.omex"
    text = _read(sedml.SEDML_NAME).replace(
        f'id="model_timecourse_100pM" language="urn:sedml:language:sbml.level-3.version-2" source="{sedml.SBML_NAME}"',
        'id="model_timecourse_100pM" language="urn:sedml:language:sbml.level-3.version-2" source="model_rest"')
    assert 'source="model_rest"' in text
    manifest = "\n".join(line for line in sedml.MANIFEST.splitlines() if sedml.METADATA_NAME not in line) + "\n"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("manifest.xml", manifest)
        archive.writestr(sedml.SBML_NAME, _read(sedml.SBML_NAME))
        archive.writestr(sedml.SEDML_NAME, text)
    cli = _biosim_python().parent / "biosimulators-utils"
    result = subprocess.run([str(cli), "validate-project", str(broken)], capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "model_rest` is not a file" in out and "does not contain an OMEX Metadata file" in out
