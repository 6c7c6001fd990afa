"""storyteller: a terminal text adventure narrated by a small LSTM with a rolling memory."""

__version__ = "0.1.0"
