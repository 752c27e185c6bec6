"""analysis: text as the index and queries read it, shared by every package.

``scripts`` (the character classes: Han, Latin runs and edges, what ends
a sentence), ``normalize`` (width, case and traditional folding with
offsets back into the original, the flat text literal matching reads,
the character index's grams of a literal) and ``words`` (jieba's words of
a paragraph or query, stop words).

Imports: none of the six packages (ingest, indexer, storage, engine, web,
ops); they all import it.
"""
