"""Running seqkit's parallel steps on a Dask cluster (`--cluster ADDRESS`).

All Dask code lives in this package; commands call `session` and the functions of
`preprocess` and `blocks`. Without --cluster nothing here is imported, and importing this package
alone does not import dask.

    session.py     connect to a scheduler or start a LocalCluster; worker deaths -> one clear error
    ranges.py      line-aligned byte ranges of the inputs (plain Python: what a worker reads)
    preprocess.py  tokenize and count per range, merge the vocabulary, encode shards in parallel
    blocks.py      documents out in blocks, results back in input order (vectors --docs, predict)
"""
