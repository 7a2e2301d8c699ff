"""The Numba core that the three trainers share (word2vec, subword word2vec, the linear classifier), as
fastText has one Dictionary::hash, one Model::update and one trainThread:

- fnv.py: FNV-1a constants and the slow, obvious hashes (pure Python: no numba, usable at query time)
- hashing.py: FNV-1a 32 (fastText's, signed bytes) and 64 over a byte range, in Numba
- rows.py: the mean of a set of matrix rows (a word and its n-grams; a text's words and n-grams) and the
  update that sends one gradient to each of them
- shards.py: the shard schedule (one shard of documents per thread), per-thread buffers, the learning
  rate over a shard, per-thread copies of hot output rows folded back after each document
- scan.py: the byte scanner of seqkit's word pattern (UTF-8, by character class)
- overlay.py: --deterministic's chunk overlays, own rows and ordered merge
- cache.py: numba's on-disk cache keyed on every seqkit source a kernel reaches, not only its own file
  (imported by every module with cached kernels, before they are decorated)

Only the modules named *kernels.py elsewhere and these import numba; nothing here is imported by
`seqkit --help`. Every function is checked through the kernels that use it, against their slow references.
"""
