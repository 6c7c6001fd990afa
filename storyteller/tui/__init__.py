"""The Textual user interface: the only part of storyteller that imports Textual.

`make_app(engine)` builds the app around a headless `storyteller.engine.Engine`.
"""
