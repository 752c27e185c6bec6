"""ingest: files to documents.

Owns the corpus folder (``corpus``: scanning, ids, the dictionary,
synonym, heading-rule and metadata-table files), the document model
(``model``), the one registry of readable types (``readers``) with a
module per format (``text``, ``markdown``, ``html``, ``docx``, ``pdf``),
a document's metadata in every form (``metadata``), and as data the
heading rules (``headings``) and the publications' page rules
(``profiles``). A document knows nothing of the index.

Imports: the shared modules (``analysis``, ``dates``) only; none of
build, storage, engine, web or ops.
"""
