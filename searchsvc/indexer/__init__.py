"""indexer: documents to a build (full and incremental), and the switch to it.

Owns the plan of a rebuild (``plan``: what to keep, index again or
delete), writing parts in processes (``parts``), the rebuild itself
(``rebuild.build_index``) and rebuilding as the corpus folder changes
(``watch``).

Imports: ingest (documents) and storage (the format it writes through),
the shared modules; never engine, web or ops.
"""
