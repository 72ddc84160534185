"""The pipeline: the stages that turn one article into grounded facts, one module each.

- ``documents`` loads articles and cleans their text; ``segment`` splits it into
  sentences and model-sized windows; ``timex`` resolves time expressions.
- ``prompts`` renders the templates; ``drafts`` is the model-facing twin of a schema
  (quotes instead of offsets); ``answer`` is the draft that grounds itself as it is validated.
- ``ground`` finds the quotes in the text; ``support`` checks the model's own words
  against the article; ``merge`` joins what overlapping windows found.
- ``attribution`` finds who a sentence credits and with which words; ``rules`` and
  ``decompose`` build the sentence strategy for small models on it.
- ``extract`` (:class:`~factsift.Extractor`) runs the stages; it and ``answer`` reach the
  model through :mod:`factsift._edges.llm`. The other stages do no I/O (an import-linter
  contract), so they are tested without a model, a cache or a file.

Private: import the public names from :mod:`factsift`.
"""
