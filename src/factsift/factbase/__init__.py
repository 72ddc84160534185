"""The cross-article layer: what many articles say together (event coreference, the fact base)."""
