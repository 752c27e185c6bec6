"""ingest: files to documents.

Owns the corpus folder (``corpus``: scanning, ids, the dictionary and
synonym files), the document model (``model``), the one registry of
readable types (``readers``) with a module per format (``text``,
``markdown``, ``html``, ``docx``, ``pdf``), and the publications' page
rules as data (``profiles``). A document knows nothing of the index.

Imports: the shared modules (``analysis``) only; none of build, storage,
engine, web or ops.
"""
