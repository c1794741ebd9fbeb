"""Typed records and reference data: scoring frameworks, the unit registry, extracted records."""
