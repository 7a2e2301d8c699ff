"""Text in: tokenizing, normalizing, vocabularies and the encoded, memory-mapped corpus."""
