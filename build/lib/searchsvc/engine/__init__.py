"""engine: a query against an opened build, to data.

Owns the query language (``query``), the one definition of "a paragraph
contains X" that both finds and checks (``condition``, over ``docsets``),
a query's stages (``units``: what it asks; ``retrieval``: the tiers it
finds; ``order``: one ranked page, with BM25 from ``ranking``), match and
snippet offsets (``highlight``), ``search`` itself, the parameters a
search may take (``params``), and snapshots with their caches and
lifetime (``snapshot``, ``cache``).

Imports: storage and the shared modules only.
"""
