"""Standard experiments as SED-ML, bundled with the resting-state SBML into a COMBINE archive.

Experiments (all on ``alk5_rest.sbml``, which starts at rest and adds ligand by an event):
``timecourse_100pM`` (24 h), ``dose_response_45min`` (pSmad2 at 45 min for 0.1 pM-1 nM),
``pretreatment_SB431542`` (10 uM from t = 0, 100 pM TGF-beta1 at 60 min). The archive is written
with fixed zip timestamps so that it is reproducible.
"""
from __future__ import annotations

import io
import zipfile

SBML_NAME = "alk5_rest.sbml"
SEDML_NAME = "alk5_experiments.sedml"
DOSES_PM = (0.1, 1.0, 10.0, 100.0, 1000.0)

PHRASEDML = f"""
model_rest = model "{SBML_NAME}"
model_100pM = model model_rest with dose_TGFB1_pM = 100
model_pretreated = model model_rest with dose_TGFB1_pM = 100, Inhibitor_0 = 10000, ligand_time_min = 60
sim_24h = simulate uniform(0, 1440, 288)
sim_45min = simulate uniform(0, 45, 45)
sim_4h = simulate uniform(0, 240, 48)
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
    import phrasedml
    phrasedml.clearReferencedSBML()
    phrasedml.setReferencedSBML(SBML_NAME, rest_sbml)
    text = phrasedml.convertString(PHRASEDML)
    if text is None:
        raise RuntimeError(f"phrasedml: {phrasedml.getLastError()}")
    return text


def sedml_errors(text: str) -> list[str]:
    import libsedml
    doc = libsedml.readSedMLFromString(text)
    if hasattr(doc, 'validateSedML'):
        doc.validateSedML()
    return [doc.getError(i).getMessage().strip() for i in range(doc.getNumErrors())
            if doc.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]


MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<omexManifest xmlns="http://identifiers.org/combine.specifications/omex-manifest">
  <content location="." format="http://identifiers.org/combine.specifications/omex"/>
  <content location="./{SBML_NAME}" format="http://identifiers.org/combine.specifications/sbml.level-3.version-2"/>
  <content location="./{SEDML_NAME}" format="http://identifiers.org/combine.specifications/sed-ml" master="true"/>
</omexManifest>
"""


def to_omex(rest_sbml: str, sedml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("manifest.xml", MANIFEST), (SBML_NAME, rest_sbml), (SEDML_NAME, sedml)):
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
