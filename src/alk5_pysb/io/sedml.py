"""Standard experiments as SED-ML, bundled with the resting-state SBML into a COMBINE archive.

Experiments (all on ``alk5_rest.sbml``, which starts at rest and adds ligand and inhibitor by
events): ``timecourse_100pM`` (24 h), ``dose_response_45min`` (pSmad2 at 45 min for 0.1 pM-1 nM),
``pretreatment_SB431542`` (10 uM from t = 0, 100 pM TGF-beta1 at 60 min). Each is an
:class:`~alk5_pysb.simulation.experiment.Experiment` (:func:`standard_experiments`), the same object
``alk5`` runs; the SED-ML models carry its :meth:`~alk5_pysb.simulation.experiment.Experiment.sbml_changes`
and the dose response repeats the experiment over its ligand dose (:data:`REPEATS`).

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

from alk5_pysb.simulation.experiment import Experiment

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

#: reported readouts of each standard experiment
TIMECOURSE_READOUTS = ("pSmad2", "nuc_Smad_complex", "SMAD7_mRNA", "PAI1_mRNA", "p38_active")
#: tasks repeated over one experiment axis (Experiment.vary): task id -> (axis, values)
REPEATS = {"dose_response_45min": ("ligand_dose", DOSES_PM)}
#: plots: (task id, readout, title)
PLOTS = (("timecourse_100pM", "pSmad2", "pSmad2 after 100 pM TGF-beta1"),)


def standard_experiments() -> dict[str, Experiment]:
    """The standard experiments as ``alk5`` runs them (times relative to ligand addition), by SED-ML
    task id. Output grids have numbers of steps that are multiples of 5 (BioSimulators warns about
    others). The inhibitor without a compound is the model's default, SB-431542 (``Kd_inhibitor``)."""
    return {
        "timecourse_100pM": Experiment(name="100 pM TGF-beta1, 24 h", dose_pM=100.0, t_end_min=1440.0, n_points=481,
                                       readouts=TIMECOURSE_READOUTS),
        "dose_response_45min": Experiment(name="TGF-beta1 dose response, 45 min", t_end_min=45.0, n_points=46,
                                          readouts=("pSmad2",)),
        "pretreatment_SB431542": Experiment(name="SB-431542 10 uM for 60 min, then 100 pM TGF-beta1", dose_pM=100.0,
                                            inhibitor_nM=10_000.0, pretreat_min=60.0, t_end_min=180.0, n_points=81,
                                            readouts=("pSmad2", "ALK5_inhibited", "p38_active")),
    }


def conditions(task: str) -> list[Experiment]:
    """What a task runs: its experiment, or (a repeated task) the experiment at each value of its range."""
    experiment = standard_experiments()[task]
    if task not in REPEATS:
        return [experiment]
    axis, values = REPEATS[task]
    return [experiment.vary({axis: value}) for value in values]


def _number(value: float) -> str:
    text = repr(float(value))          # the shortest text that reads back as the same float
    return text.removesuffix(".0")


def phrasedml_text() -> str:
    """The standard experiments in phraSED-ML: every model is the resting-state SBML with the changes
    of :meth:`Experiment.sbml_changes`; the simulated window starts at rest, pre-treatment included
    (SED-ML time = ``alk5`` time + ``pretreat_min``)."""
    lines = []
    for task, experiment in standard_experiments().items():
        if experiment.times is not None or not experiment.readouts:
            raise ValueError(f"{task}: a SED-ML experiment needs a uniform grid (n_points) and explicit readouts")
        changes = [c.check().sbml_changes() for c in conditions(task)]
        if any(c.keys() != changes[0].keys() for c in changes):
            raise ValueError(f"{task}: the repeated experiments change different SBML parameters")
        varied = [name for name in changes[0] if len({c[name] for c in changes}) > 1]
        model, sim = f"model_{task}", f"sim_{task}"
        lines.append(f'{model} = model "{SBML_NAME}" with '
                     + ", ".join(f"{name} = {_number(value)}" for name, value in changes[0].items()))
        end = experiment.pretreat_min + experiment.t_end_min
        lines.append(f"{sim} = simulate uniform(0, {_number(end)}, {experiment.n_points - 1})")
        columns = [f"{task}.time"] + [f"{task}.{r}" for r in experiment.readouts]
        if task in REPEATS:
            if len(varied) != 1:
                raise ValueError(f"{task}: a repeated task varies one SBML parameter, not {varied}")
            values = ", ".join(_number(c[varied[0]]) for c in changes)
            lines.append(f"task_{task} = run {sim} on {model}")
            lines.append(f"{task} = repeat task_{task} for {model}.{varied[0]} in [{values}], reset=true")
            columns.insert(0, f"{task}.{varied[0]}")
        else:
            lines.append(f"{task} = run {sim} on {model}")
        lines.append(f'report "{task}" ' + ", ".join(columns))
    for task, readout, title in PLOTS:
        lines.append(f'plot "{title}" {task}.time vs {task}.{readout}')
    return "\n".join(lines) + "\n"


def to_sedml(rest_sbml: str) -> str:
    """SED-ML L1V3 text of the standard experiments (phrasedml, then the fixes described above)."""
    import libsedml
    import phrasedml
    phrasedml.clearReferencedSBML()
    phrasedml.setReferencedSBML(SBML_NAME, rest_sbml)
    text = phrasedml.convertString(phrasedml_text())
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
    "with `dose_TGFB1_pM` in pM, and the ALK5 inhibitor (`Inhibitor_0`, nM) by an event at "
    "`inhibitor_time_min`. "
    "Amounts are molecules per cell, time is in minutes.\n\n"
    "`alk5_experiments.sedml` (SED-ML L1V3) holds three experiments: `timecourse_100pM` (24 h), "
    "`dose_response_45min` (pSmad2 at 45 min for 0.1 pM - 1 nM) and `pretreatment_SB431542` "
    "(10 uM from t = 0, 100 pM TGF-beta1 at 60 min). They use CVODE (KISAO:0000019) with relative "
    f"tolerance {RTOL:g} (KISAO:0000209), absolute tolerance {ATOL:g} molecules per cell "
    f"(KISAO:0000211) and at most {MAX_STEPS} steps (KISAO:0000415), the settings of the alk5 "
    "simulator; tellurium reproduces the alk5 simulator's numbers from this archive to 1e-4 (relative).")
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
