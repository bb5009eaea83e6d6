"""Pharmacology: ALK5 inhibitors (compound table, potencies) and their effects on the model."""
