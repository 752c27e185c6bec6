"""engine: a query against an opened build, to data.

Owns the query language (``query``), the one definition of "a paragraph
contains X" that both finds and checks (``condition``, over ``docsets``),
a query's stages (``units``: what it asks; ``retrieval``: the tiers it
finds; ``order``: one ranked page, with BM25 from ``ranking``), match and
snippet offsets (``highlight``), ``search`` itself, filters over a
collection's dates, sources and tags (``filters``), the orders results
are listed in (``listing``: newest first, reading order, one per
document), the parameters a search may take (``params``), and snapshots
with their caches and lifetime (``snapshot``, ``cache``).

Imports: storage and the shared modules only.
"""
