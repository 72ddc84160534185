"""What a person runs and reads: the ``factsift`` command and its report.

- ``cli``: the command line (Typer), the entry point ``factsift``.
- ``report``: the single-file HTML report of a results file.

Private: both are built on the public API and the edges, never the other way round.
"""
