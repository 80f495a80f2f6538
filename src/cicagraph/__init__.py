"""cicagraph: a knowledge graph of Asia's security forums and confidence-building measures."""

__version__ = "0.1.0"
