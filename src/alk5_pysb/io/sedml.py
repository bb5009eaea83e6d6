"""Standard experiments as SED-ML, bundled with the resting-state SBML into a COMBINE archive.

Experiments (all on ``alk5_rest.sbml``, which starts at rest and adds ligand by an event):
``timecourse_100pM`` (24 h), ``dose_response_45min`` (pSmad2 at 45 min for 0.1 pM-1 nM),
``pretreatment_SB431542`` (10 uM from t = 0, 100 pM TGF-beta1 at 60 min).

The SED-ML is written as Level 1 Version 3 (the version BioSimulators' tools support fully), every
model points at the SBML file in the archive (no model-to-model references), and every simulation
carries the project's solver settings as KiSAO algorithm parameters (CVODE with the tolerances and
step limit of ``alk5_pysb.simulation.simulator.Simulator``). The archive holds an OMEX metadata file
(``metadata.rdf``: title, description, creators, license, creation date, taxon, references) and
passes ``biosimulators-utils validate-project``. It is written with fixed zip timestamps and a fixed
creation date so that it is reproducible byte for byte.
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

SBML_NAME = "alk5_rest.sbml"
SEDML_NAME = "alk5_experiments.sedml"
METADATA_NAME = "metadata.rdf"
OMEX_NAME = "alk5.omex"
#: the archive's URI in its OMEX metadata (BioSimulations convention: omex-library.org + file name)
ARCHIVE_URI = f"http://omex-library.org/{OMEX_NAME}"
DOSES_PM = (0.1, 1.0, 10.0, 100.0, 1000.0)
SEDML_LEVEL_VERSION = (1, 3)

#: CVODE (KISAO:0000019) with the settings of alk5_pysb.simulation.simulator.Simulator (a test checks that
#: they agree). The absolute tolerance is in molecules per cell for every species; libRoadRunner-based
#: tools (tellurium) rescale a scalar absolute tolerance per species, the alk5 simulator does not.
ALGORITHM = ("KISAO:0000019", "CVODE")
RTOL, ATOL, MAX_STEPS = 1e-6, 1e-9, 200000
ALGORITHM_PARAMETERS = (
    ("KISAO:0000209", "relative tolerance", RTOL),
    ("KISAO:0000211", "absolute tolerance", ATOL),
    ("KISAO:0000415", "maximum number of steps", MAX_STEPS),
)

# output grids: numbers of steps are multiples of 5 (BioSimulators warns about others)
PHRASEDML = f"""
model_rest = model "{SBML_NAME}"
model_100pM = model model_rest with dose_TGFB1_pM = 100
model_pretreated = model model_rest with dose_TGFB1_pM = 100, Inhibitor_0 = 10000, ligand_time_min = 60
sim_24h = simulate uniform(0, 1440, 480)
sim_45min = simulate uniform(0, 45, 45)
sim_4h = simulate uniform(0, 240, 80)
timecourse_100pM = run sim_24h on model_100pM
task_45min = run sim_45min on model_rest
dose_response_45min = repeat task_45min for model_rest.dose_TGFB1_pM in [{", ".join(f"{d:g}" for d in DOSES_PM)}], reset=true
pretreatment_SB431542 = run sim_4h on model_pretreated
report "timecourse_100pM" timecourse_100pM.time, timecourse_100pM.pSmad2, timecourse_100pM.nuc_Smad_complex, timecourse_100pM.SMAD7_mRNA, timecourse_100pM.PAI1_mRNA, timecourse_100pM.p38_active
report "dose_response_45min" dose_response_45min.dose_TGFB1_pM, dose_response_45min.time, dose_response_45min.pSmad2
report "pretreatment_SB431542" pretreatment_SB431542.time, pretreatment_SB431542.pSmad2, pretreatment_SB431542.ALK5_inhibited, pretreatment_SB431542.p38_active
plot "pSmad2 after 100 pM TGF-beta1" timecourse_100pM.time vs timecourse_100pM.pSmad2
"""


def to_sedml(rest_sbml: str) -> str:
    """SED-ML L1V3 text of the standard experiments (phrasedml, then the fixes described above)."""
    import libsedml
    import phrasedml
    phrasedml.clearReferencedSBML()
    phrasedml.setReferencedSBML(SBML_NAME, rest_sbml)
    text = phrasedml.convertString(PHRASEDML)
    if text is None:
        raise RuntimeError(f"phrasedml: {phrasedml.getLastError()}")
    doc = libsedml.readSedMLFromString(text)
    _resolve_model_sources(doc)
    _set_algorithms(doc)
    doc.setLevel(SEDML_LEVEL_VERSION[0])
    doc.setVersion(SEDML_LEVEL_VERSION[1])
    return libsedml.writeSedMLToString(doc)


def _resolve_model_sources(doc) -> None:
    """phrasedml writes ``model B = model A with ...`` as ``source="A"`` (a model id); BioSimulators'
    tools read the source as a file location. Point every model at its file and prepend the changes
    of the models it derives from (the same model, stated without references)."""
    import libsedml
    models = {doc.getModel(i).getId(): doc.getModel(i) for i in range(doc.getNumModels())}

    def chain(model) -> list:
        seen = [model]
        while model.getSource() in models:
            model = models[model.getSource()]
            if model in seen:
                raise RuntimeError(f"SED-ML models refer to each other in a cycle: {[m.getId() for m in seen]}")
            seen.append(model)
        return seen[::-1]          # the file-based model first

    def attribute_changes(model) -> list[tuple[str, str]]:
        changes = []
        for i in range(model.getNumChanges()):
            change = model.getChange(i)
            if change.getTypeCode() != libsedml.SEDML_CHANGE_ATTRIBUTE:
                raise RuntimeError(f"model {model.getId()}: only changeAttribute can be resolved, "
                                   f"not {change.getElementName()}")
            changes.append((change.getTarget(), change.getNewValue()))
        return changes

    for model in models.values():
        ancestors = chain(model)[:-1]
        if not ancestors:
            continue
        changes = [c for a in ancestors for c in attribute_changes(a)] + attribute_changes(model)
        while model.getNumChanges():
            model.removeChange(0)
        for target, value in changes:
            change = model.createChangeAttribute()
            change.setTarget(target)
            change.setNewValue(value)
        model.setSource(ancestors[0].getSource())


def _set_algorithms(doc) -> None:
    for i in range(doc.getNumSimulations()):
        algorithm = doc.getSimulation(i).getAlgorithm()
        algorithm.setKisaoID(ALGORITHM[0])
        algorithm.setName(ALGORITHM[1])
        while algorithm.getNumAlgorithmParameters():
            algorithm.removeAlgorithmParameter(0)
        for kisao, name, value in ALGORITHM_PARAMETERS:
            parameter = algorithm.createAlgorithmParameter()
            parameter.setKisaoID(kisao)
            parameter.setName(name)
            parameter.setValue(f"{value:g}")


def sedml_errors(text: str) -> list[str]:
    import libsedml
    doc = libsedml.readSedMLFromString(text)
    if hasattr(doc, 'validateSedML'):
        doc.validateSedML()
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]


FORMATS = {
    "omex": "http://identifiers.org/combine.specifications/omex",
    "sbml": "http://identifiers.org/combine.specifications/sbml.level-3.version-2",
    "sedml": "http://identifiers.org/combine.specifications/sed-ml",
    "metadata": "http://identifiers.org/combine.specifications/omex-metadata",
}

MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<omexManifest xmlns="http://identifiers.org/combine.specifications/omex-manifest">
  <content location="." format="{FORMATS['omex']}"/>
  <content location="./{SBML_NAME}" format="{FORMATS['sbml']}"/>
  <content location="./{SEDML_NAME}" format="{FORMATS['sedml']}" master="true"/>
  <content location="./{METADATA_NAME}" format="{FORMATS['metadata']}"/>
</omexManifest>
"""

# -- OMEX metadata (RDF/XML, OMEX Metadata 1.2 with the BioSimulations predicates) ---------------
TITLE = "alk5-pysb: ALK5 / TGF-beta receptor signalling, standard experiments"
ABSTRACT = ("Rule-based (PySB) model of TGF-beta signalling through the type I receptor ALK5 "
            "(ligand-receptor assembly and trafficking, Smad2/3 phosphorylation and nuclear shuttling, "
            "Smad7 feedback, target genes, non-canonical p38/ERK/RhoA arms), simulated from its "
            "unstimulated resting state: a 24-h time course after 100 pM TGF-beta1, a 45-min dose "
            "response and a pre-treatment with the ALK5 inhibitor SB-431542.")
DESCRIPTION = (
    "Simulation project generated by alk5-pysb (`alk5 export-all`). `alk5_rest.sbml` is the "
    "BioNetGen-generated network of the PySB rules (SBML L3V2), starting at the resting steady state "
    "for the default parameters; TGF-beta1 is added to the medium by an event at `ligand_time_min`, "
    "with `dose_TGFB1_pM` in pM, and the ALK5 inhibitor (`Inhibitor_0`, nM) is present from t = 0. "
    "Amounts are molecules per cell, time is in minutes.\n\n"
    "`alk5_experiments.sedml` (SED-ML L1V3) holds three experiments: `timecourse_100pM` (24 h), "
    "`dose_response_45min` (pSmad2 at 45 min for 0.1 pM - 1 nM) and `pretreatment_SB431542` "
    "(10 uM from t = 0, 100 pM TGF-beta1 at 60 min). They use CVODE (KISAO:0000019) with relative "
    f"tolerance {RTOL:g} (KISAO:0000209), absolute tolerance {ATOL:g} molecules per cell "
    f"(KISAO:0000211) and at most {MAX_STEPS} steps (KISAO:0000415), the settings of the alk5 "
    "simulator; tellurium reproduces the alk5 simulator's numbers from this archive to 1e-3.")
KEYWORDS = ("TGF-beta", "ALK5", "TGFBR1", "Smad2", "Smad3", "Smad7", "rule-based model", "PySB", "BioNetGen")
CREATORS = ("alk5-pysb developers",)          # as in the SBML model history
LICENSE = ("http://identifiers.org/spdx:MIT", "MIT")          # pyproject.toml: license = "MIT"
TAXA = (("http://identifiers.org/taxonomy/9606", "Homo sapiens"),)   # the UniProt annotations are human
ENCODES = (("http://identifiers.org/GO:0007179", "transforming growth factor beta receptor signaling pathway"),)
IDENTIFIERS_ORG_PREFIX = {"pubmed": "pubmed", "doi": "doi", "biomodels.db": "biomodels.db"}


def _created() -> str:
    """The creation date of the SBML model history (fixed, for reproducible exports), as W3CDTF."""
    from alk5_pysb.io.annotate import CREATED
    return CREATED[:10]


def _references() -> list[tuple[str, str]]:
    """The literature and models the parameters come from (data/references.csv), as identifiers.org URIs."""
    from alk5_pysb.io.annotate import reference_table
    refs = []
    for _, row in reference_table().iterrows():
        prefix = IDENTIFIERS_ORG_PREFIX.get(row["database"])
        if prefix:
            refs.append((f"http://identifiers.org/{prefix}:{row['identifier']}", row["citation"]))
    return refs


def _described(predicate: str, uri: str | None, label: str, indent: str = "    ") -> str:
    ident = f'\n{indent}    <dc:identifier rdf:resource="{escape(uri)}"/>' if uri else ""
    return (f"{indent}<{predicate}>\n{indent}  <rdf:Description>{ident}\n"
            f"{indent}    <rdfs:label>{escape(label)}</rdfs:label>\n{indent}  </rdf:Description>\n{indent}</{predicate}>")


def metadata_rdf() -> str:
    """OMEX metadata (RDF/XML) about the archive and its two files."""
    created = _created()
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<rdf:RDF",
        '    xmlns:bqbiol="http://biomodels.net/biology-qualifiers/"',
        '    xmlns:bqmodel="http://biomodels.net/model-qualifiers/"',
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"',
        '    xmlns:dcterms="http://purl.org/dc/terms/"',
        '    xmlns:foaf="http://xmlns.com/foaf/0.1/"',
        '    xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"',
        '    xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"',
        '    xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">',
        f'  <rdf:Description rdf:about="{ARCHIVE_URI}">',
        f"    <dc:title>{escape(TITLE)}</dc:title>",
        f"    <dc:abstract>{escape(ABSTRACT)}</dc:abstract>",
        f"    <dc:description>{escape(DESCRIPTION)}</dc:description>",
        *(f"    <prism:keyword>{escape(k)}</prism:keyword>" for k in KEYWORDS),
        *(_described("bqbiol:hasTaxon", uri, label) for uri, label in TAXA),
        *(_described("bqbiol:encodes", uri, label) for uri, label in ENCODES),
        *(f"    <dc:creator>\n      <rdf:Description>\n        <foaf:name>{escape(name)}</foaf:name>\n"
          f"        <rdfs:label>{escape(name)}</rdfs:label>\n      </rdf:Description>\n    </dc:creator>"
          for name in CREATORS),
        *(_described("dcterms:references", uri, label) for uri, label in _references()),
        _described("dc:license", *LICENSE),
        f"    <dc:created>\n      <rdf:Description>\n        <dcterms:W3CDTF>{created}</dcterms:W3CDTF>\n"
        "      </rdf:Description>\n    </dc:created>",
        "  </rdf:Description>",
        f'  <rdf:Description rdf:about="{ARCHIVE_URI}/{SBML_NAME}">',
        "    <dc:title>alk5 model at its resting steady state (SBML L3V2)</dc:title>",
        "    <dc:description>The generated reaction network of the PySB rules; TGF-beta1, ligand trap and "
        "ALK5 inhibitor are added by events (dose_TGFB1_pM, Trap_0, Inhibitor_0, ligand_time_min, "
        "inhibitor_time_min).</dc:description>",
        "  </rdf:Description>",
        f'  <rdf:Description rdf:about="{ARCHIVE_URI}/{SEDML_NAME}">',
        "    <dc:title>alk5 standard experiments (SED-ML L1V3)</dc:title>",
        _described("bqmodel:isDerivedFrom", f"{ARCHIVE_URI}/{SBML_NAME}", "alk5_rest.sbml"),
        "  </rdf:Description>",
        "</rdf:RDF>",
        "",
    ]
    return "\n".join(lines)


def to_omex(rest_sbml: str, sedml: str) -> bytes:
    buffer = io.BytesIO()
    files = (("manifest.xml", MANIFEST), (SBML_NAME, rest_sbml), (SEDML_NAME, sedml), (METADATA_NAME, metadata_rdf()))
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def omex_entries(path) -> dict[str, str]:
    """Read an archive with libcombine: {location: format}."""
    import libcombine
    archive = libcombine.CombineArchive()
    if not archive.initializeFromArchive(str(path)):
        raise RuntimeError(f"libcombine cannot read {path}")
    manifest = archive.getManifest()
    entries = {}
    for i in range(manifest.getNumContents()):
        entry = manifest.getContent(i)
        entries[entry.getLocation()] = entry.getFormat()
    archive.cleanUp()
    return entries


def execute_omex(path, workdir) -> dict:
    """Run the archive with tellurium; returns {report name: DataFrame}."""
    import os
    from pathlib import Path

    import pandas as pd
    from tellurium.sedml.tesedml import executeCombineArchive
    workdir = Path(workdir)
    (workdir / "unpacked").mkdir(parents=True, exist_ok=True)
    (workdir / "out").mkdir(parents=True, exist_ok=True)
    executeCombineArchive(str(path), workingDir=str(workdir / "unpacked"), outputDir=str(workdir / "out"),
                          saveOutputs=True, createOutputs=True, plottingEngine="matplotlib")
    reports = {}
    for csv in (workdir / "out").rglob("*.csv"):
        reports[csv.stem] = pd.read_csv(csv)
    os.environ.pop("MPLBACKEND", None)
    return reports
