"""Vendor dialects: each parses, authenticates and renders one API family on top of the engine."""
