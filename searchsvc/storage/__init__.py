"""storage: a build's format on disk, and reading it.

Owns the index folder (``layout``: names, ``meta.json``, the ``current``
switch, pruning, the writers' lock, ``runs``' records), every file of a
build with its writer and its reader (``paragraphs``, ``texts``,
``grams``, ``wordindex`` with the pickled ``wordschema``, ``columns``;
``writing`` is what the build package calls, ``files`` the safe reads),
the one place deleted paragraphs are left out (``deletions``), and an
opened build (``opened``).

Imports: the shared modules (``analysis``) only; none of ingest, build,
engine, web or ops.
"""
