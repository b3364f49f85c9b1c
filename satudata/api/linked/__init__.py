"""Linked data and bulk documents: DCAT-AP catalogue (Turtle, JSON-LD, RDF/XML) with Hydra
paging, schema.org Dataset JSON-LD, Frictionless data packages, a JSON Lines dump and a sitemap.

Everything here shows only what the Publik sees (rule `linked.read`), so every document is the
same for every caller and can be cached by anyone.
"""
