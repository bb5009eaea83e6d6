"""One builder composes the mechanism modules into a PySB model.

``build_model()`` is the only entry point most code needs. Each block is a module of small,
named functions of rules (EARM style); a block can be left out to make a variant, e.g.
``build_model(exclude={"feedback"})`` for a model without Smad7 feedback.

Units: the model counts **molecules per cell** (hasOnlySubstanceUnits in SBML) and time in
**minutes**. Bimolecular constants in the table are in 1/(nM*min) for the compartment where
the reaction happens and are converted to 1/(molecule*min) by ``ModelBuilder.rate``.
"""
from __future__ import annotations

from pysb import Expression, Initial, Model, Monomer, Observable, Parameter, Rule

from alk5_pysb.model.parameters import ParameterTable, default_table

#: compartment -> volume parameter (litres per cell)
VOLUMES = {
    "medium": "V_medium",
    "cytoplasm": "V_cytoplasm",
    "nucleus": "V_nucleus",
}

BLOCKS = ("ligands", "receptor", "smad", "transcription", "feedback", "noncanonical", "inhibitors")
OPTIONAL_BLOCKS = ("feedback", "noncanonical", "inhibitors")
#: blocks built only on request (``modules=``): their networks are separate exports
EXTRA_BLOCKS = ("fibrosis", "cytostasis", "emt", "endothelial")


class ModelBuilder:
    """Holds the model under construction and turns table rows into PySB components."""

    def __init__(self, table: ParameterTable, name: str = "alk5", ligands=None):
        from alk5_pysb.model.receptor import LIGANDS
        self.table = table
        self.ligands = tuple(ligands or LIGANDS)
        self.model = Model(name, _export=False)
        #: gene -> expression multiplying its Smad drive (a block's gate, e.g. MRTF on ACTA2)
        self.gates = {}
        #: gene -> expression multiplying its whole transcription, basal and induced (a coactivator such as
        #: MRTF on COL1A1 that the promoter needs in every state)
        self.coactivators = {}

    # components -------------------------------------------------------------------------
    @property
    def m(self):
        """Monomers by name: ``b.m.Smad2``."""
        return self.model.monomers

    def _add(self, component):
        self.model.add_component(component)
        return component

    def monomer(self, name, sites, states=None):
        return self._add(Monomer(name, sites, states or {}, _export=False))

    def par(self, name: str) -> Parameter:
        """The table parameter ``name`` as a model Parameter (added once)."""
        existing = self.model.parameters.get(name)
        if existing is not None:
            return existing
        return self._add(Parameter(name, self.table.value(name), _export=False))

    def expression(self, name, expr):
        existing = self.model.expressions.get(name)
        if existing is not None:
            return existing
        return self._add(Expression(name, expr, _export=False))

    def molecules_per_nM(self, compartment: str):
        """Expression: molecules per cell in ``compartment`` at 1 nM."""
        volume = self.par(VOLUMES[compartment])
        return self.expression(f"molecules_per_nM_{compartment}", 1e-9 * self.par("N_A") * volume)

    def rate(self, name: str):
        """A rate constant ready for a rule.

        1/(nM*min) constants are divided by molecules-per-nM of their compartment, so that
        mass action on molecule counts is right; everything else is used as it is.
        """
        row = self.table.row(name)
        param = self.par(name)
        if row["unit"] == "1/(nM*min)":
            compartment = row["compartment"]
            if compartment not in VOLUMES:
                raise ValueError(f"{name}: bimolecular constant needs a compartment in {sorted(VOLUMES)}")
            return self.expression(f"{name}_per_molecule", param / self.molecules_per_nM(compartment))
        return param

    def amount(self, name: str):
        """An initial amount in molecules per cell (nM values are converted by their compartment)."""
        row = self.table.row(name)
        param = self.par(name)
        if row["unit"] == "nM":
            return self.expression(f"{name}_molecules", param * self.molecules_per_nM(row["compartment"]))
        if row["unit"] != "molecule/cell":
            raise ValueError(f"{name}: an amount must be in nM or molecule/cell, not {row['unit']}")
        return param

    def rule(self, name, rule_expression, kf, kr=None, **kwargs):
        return self._add(Rule(name, rule_expression, kf, kr, _export=False, **kwargs))

    def observable(self, name, pattern):
        return self._add(Observable(name, pattern, _export=False))

    def initial(self, pattern, value, fixed=False):
        self.model.add_initial(Initial(pattern, value, fixed=fixed, _export=False))


def build_model(exclude=(), table: ParameterTable | None = None, name: str | None = None,
                ligands=None, modules=()) -> Model:
    """Compose the ALK5 model from its mechanism blocks.

    exclude: optional blocks to leave out, any of ``OPTIONAL_BLOCKS``
             ("feedback" = no Smad7/Smurf2 feedback, "noncanonical" = Smad arm only,
             "inhibitors" = no kinase inhibitor or ligand trap).
    ligands: the ligands the network carries (default all of ``receptor.LIGANDS``). Each isoform
             brings its own ~25 complexes, so a TGF-beta1-only network (``("TGFB1",)``) is about
             40% smaller and faster to simulate, with the same TGF-beta1 responses.
    """
    from alk5_pysb.model import (cytostasis, emt, endothelial, feedback, fibrosis, inhibitors, noncanonical, readouts,
                                 receptor, smad, transcription)

    exclude, modules = set(exclude), set(modules)
    if modules - set(EXTRA_BLOCKS):
        raise ValueError(f"unknown module(s) {sorted(modules - set(EXTRA_BLOCKS))}; extra blocks are {list(EXTRA_BLOCKS)}")
    if "fibrosis" in modules and "noncanonical" in exclude:
        raise ValueError("the fibrosis block needs the non-canonical block (RhoA for ROCK, p38 for fibronectin)")
    if {"fibrosis", "emt"} <= modules:
        raise ValueError("the fibrosis and emt blocks belong to different cells (fibroblast, epithelial) and each "
                         "releases its own autocrine TGF-beta: build one of them")
    unknown = exclude - set(OPTIONAL_BLOCKS)
    if unknown:
        raise ValueError(f"cannot leave out {sorted(unknown)}; optional blocks are {list(OPTIONAL_BLOCKS)}")
    ligands = tuple(ligands or receptor.LIGANDS)
    bad = [lig for lig in ligands if lig not in receptor.LIGANDS]
    if bad or not ligands:
        raise ValueError(f"unknown ligand(s) {bad}; valid ligands are {list(receptor.LIGANDS)}")
    if name is None:
        name = "alk5" + "".join(f"_no_{blk}" for blk in OPTIONAL_BLOCKS if blk in exclude)
        if ligands != receptor.LIGANDS:
            name += "_" + "_".join(lig.lower() for lig in ligands)
        name += "".join(f"_{blk}" for blk in EXTRA_BLOCKS if blk in modules)
    b = ModelBuilder(table or default_table(), name, ligands)

    receptor.declare_monomers(b)
    smad.declare_monomers(b)
    transcription.declare_monomers(b)
    feedback.declare_monomers(b)
    noncanonical.declare_monomers(b)
    inhibitors.declare_monomers(b)
    if "fibrosis" in modules:
        fibrosis.declare_monomers(b)
        fibrosis.rock_mrtf_gate(b)          # before transcription: it gates ACTA2 and COL1A1
    if "cytostasis" in modules:
        cytostasis.declare_monomers(b)
    if "emt" in modules:
        emt.declare_monomers(b)
    if "endothelial" in modules:
        endothelial.declare_monomers(b)
        endothelial.alk1_antagonises_alk5_output(b)     # before transcription: it gates SERPINE1

    receptor.ligands_in_medium(b)
    receptor.receptor_synthesis_and_trafficking(b)
    receptor.ligand_binding_and_heterotetramer_assembly(b)
    receptor.complex_trafficking_and_ligand_uptake(b)
    receptor.fkbp12_caps_gs_domain(b)
    receptor.gs_domain_phosphorylation(b)
    smad.rsmad_phosphorylation_by_alk5(b)
    smad.smad_complex_formation(b)
    smad.nucleocytoplasmic_shuttling(b)
    smad.nuclear_dephosphorylation_by_ppm1a(b)
    transcription.target_gene_expression(b)
    feedback.smad7_turnover(b)
    if "feedback" not in exclude:
        feedback.smad7_binds_active_alk5(b)
        feedback.smad7_recruits_pp1(b)
        feedback.smad7_smurf2_degrade_receptors(b)
    if "noncanonical" not in exclude:
        noncanonical.traf6_tak1_p38_jnk(b)
        noncanonical.shca_grb2_erk(b)
        noncanonical.pi3k_akt(b)
        noncanonical.par6_rhoa(b)
        noncanonical.gadd45b_p38(b)
    if "inhibitors" not in exclude:
        inhibitors.alk5_kinase_inhibitor(b)
        inhibitors.ligand_trap(b)
    if "fibrosis" in modules:
        fibrosis.fibronectin(b)
        fibrosis.collagen_secretion_and_deposition(b)
        fibrosis.autocrine_latent_tgfb1(b)
        fibrosis.declare_readouts(b)
    if "cytostasis" in modules:
        cytostasis.myc_repression(b)
        cytostasis.cdk_inhibitor_induction(b)
        cytostasis.g1_s_cdk_activity(b)
        cytostasis.declare_readouts(b)
    if "emt" in modules:
        emt.snai1_hmga2(b)
        emt.zeb_mir200_switch(b)
        emt.epithelial_and_mesenchymal_markers(b)
        emt.autocrine_tgfb(b)
        emt.declare_readouts(b)
    if "endothelial" in modules:
        endothelial.bmp9_alk1(b)
        endothelial.tgfb_alk1(b)
        endothelial.smad15_id1(b)
        endothelial.declare_readouts(b)
    readouts.declare_readouts(b, exclude)
    b.model.blocks = tuple(blk for blk in BLOCKS if blk not in exclude) + tuple(
        blk for blk in EXTRA_BLOCKS if blk in modules)
    return b.model
