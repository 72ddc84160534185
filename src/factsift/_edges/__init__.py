"""The I/O edges: the model, the cache, and the files a run reads and writes.

- ``llm``: settings, one chat-completion path for every provider, retries, rate limits;
  ``_instructor``: the one place factsift reaches inside instructor;
  ``local``: the bundled model, in-process.
- ``cache``: the response cache; ``stores``: where it keeps its entries when several
  machines share it (Redis, fsspec).
- ``results``: the one reader and writer of results files (JSON Lines).
- ``batch``: many articles into one results file that survives anything; the Ray engine
  (:mod:`factsift.ray`) shares its bookkeeping.

Private: the pipeline (:mod:`factsift._pipeline`) is what these edges serve.
"""
