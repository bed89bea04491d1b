"""The shared text layer: rules about Chinese text written once and used by every stage.

Modules are imported explicitly (``from plancompare.text.numbers import ...``); this package
imports nothing itself, so each module stays usable on its own.
"""
