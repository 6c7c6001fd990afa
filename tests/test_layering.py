"""The engine runs headless: nothing outside storyteller/tui imports Textual."""

import subprocess
import sys
from pathlib import Path

HEADLESS = ["config", "tokenizer", "model", "checkpoint", "sampling", "generator", "memory", "engine", "saves",
            "corpus", "dataset", "training", "evaluation", "memory_eval", "cache", "constraints", "cli", "lexicon",
            "memory_pointer"]


def test_headless_modules_do_not_import_textual():
    code = ("import sys\n" + "".join(f"import storyteller.{m}\n" for m in HEADLESS)
            + "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
            + "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_only_tui_mentions_textual():
    root = Path(__file__).resolve().parent.parent / "storyteller"
    offenders = [p.name for p in root.glob("*.py") if "import textual" in p.read_text() or "from textual" in p.read_text()]
    assert offenders == []
