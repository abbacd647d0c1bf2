"""Ingest on a Dask cluster: ``geo ingest INPUT... --engine dask [--scheduler ADDRESS]``.

The client plans the batch (``geo.ingest.read.plan_inputs``: walks folders, reads files,
cuts JSON lines files into pieces) and sends partitions of it to the workers
(``geo.cluster.work``), which read, fetch and extract, each with its one gazetteer. With
a SQLite store the client takes their results back in the batch's order and stores them
as the one-process ingest does (``geo.pipeline.store_articles``), so both give the same
store and the same failure summary; with a PostGIS store each worker stores its own
partitions the same way, in batches, and the client gathers their reports
(``geo.cluster.engine``). Dask is an optional dependency (the ``dask``
extra): nothing here is imported unless the engine is asked for.
"""
