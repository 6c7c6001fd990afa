"""Command line: `storyteller [play]`, `train`, `eval`, `summarize`, `bench`.

Heavy imports (torch, textual) happen inside the subcommands so `--help` and errors stay fast.
Bad input gets one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input: reported as one line, exit status 2."""


def _add_play_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None, help="checkpoint folder (default: the shipped model)")
    p.add_argument("--saves-dir", type=Path, default=None,
                   help="where sessions are saved (default: $STORYTELLER_SAVES or ./saves)")
    p.add_argument("--seed", type=int, default=None, help="random seed: the same seed, model and script give the same story")
    p.add_argument("--temperature", type=float, default=None, help="sampling temperature (0.05-2.0)")
    p.add_argument("--load", metavar="NAME", default=None, help="continue a saved session")
    p.add_argument("--no-quantize", action="store_true", help="run the model in float32 instead of int8")
    p.add_argument("--opening", type=Path, default=None, metavar="FILE",
                   help="start a new story from this text (your own premise, or a tale to step into)")
    _add_steering_options(p)


def _add_steering_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--noun-steer", type=float, default=None, metavar="X",
                   help="share of the next word after 'the', 'a', 'his'... given to nouns the memory holds "
                        "(default 0.5; 0 leaves the tuned memory pointer alone)")
    p.add_argument("--min-tokens", type=int, default=None, metavar="N",
                   help="a narration may not end before N tokens (default 10; 0 lets 'OK' be a whole turn)")
    p.add_argument("--ground-tokens", type=int, default=None, metavar="N",
                   help="a narration may not end before it names someone or something the memory holds, for up to "
                        "N tokens (default 40; 0: off)")
    p.add_argument("--command-focus", type=float, default=None, metavar="X",
                   help="share of that noun steering given to what the command is about, 'lamp' in 'take the lamp' "
                        "(default 0.5; 0: the memory's nouns only)")


def check_steering(args) -> None:
    if args.noun_steer is not None and not 0.0 <= args.noun_steer <= 0.9:
        raise UserError(f"--noun-steer must be between 0 and 0.9, got {args.noun_steer}")
    if args.min_tokens is not None and not 0 <= args.min_tokens <= 100:
        raise UserError(f"--min-tokens must be between 0 and 100, got {args.min_tokens}")
    if args.ground_tokens is not None and not 0 <= args.ground_tokens <= 200:
        raise UserError(f"--ground-tokens must be between 0 and 200, got {args.ground_tokens}")
    if args.command_focus is not None and not 0.0 <= args.command_focus <= 1.0:
        raise UserError(f"--command-focus must be between 0 and 1, got {args.command_focus}")


# torch.Generator.manual_seed overflows past 64 bits and folds negative seeds onto large ones (-1 is 2**64 - 1):
# accept one spelling per seed, one that fits a signed 64-bit integer.
SEED_MAX = 2**63 - 1


def check_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise UserError(f"--seed must be between 0 and {SEED_MAX}, got {seed}")


def read_text(name: str, what: str) -> str:
    """The UTF-8 text of file `name` ('-': stdin), a leading BOM dropped (Notepad's "UTF-8" writes one, and it
    would turn a first '#' comment or '/save' into a command); anything unreadable is a UserError."""
    try:
        if name == "-":
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise UserError(f"cannot read {what} from stdin: it is closed")
            stdin = getattr(sys.stdin, "buffer", None)  # bytes: a strict text stdin would raise while reading
            data = stdin.read() if stdin is not None else sys.stdin.read().encode("utf-8")
        else:
            data = Path(name).read_bytes()
        return data.decode("utf-8-sig")
    except OSError as e:
        raise UserError(f"cannot read {what} {name}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        where = "stdin" if name == "-" else name
        raise UserError(f"cannot read {what} {where}: not UTF-8 text (bad byte at offset {e.start})") from None


def apply_steering(engine, args) -> None:
    """The play-time steering settings from the command line (validated by `check_steering`)."""
    if args.noun_steer is not None:
        engine.config.noun_steer = args.noun_steer
    if args.min_tokens is not None:
        engine.settings.min_tokens = args.min_tokens
    if args.ground_tokens is not None:
        engine.config.ground_tokens = args.ground_tokens
    if args.command_focus is not None:
        engine.config.command_focus = args.command_focus


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storyteller", description="A text adventure narrated by an LSTM with a rolling memory.")
    sub = parser.add_subparsers(dest="command")

    play = sub.add_parser("play", help="play (the default): the TUI, or a script with --script")
    _add_play_options(play)
    play.add_argument("--script", metavar="FILE", default=None,
                      help="play headless: one command per line ('-' for stdin, '#' lines are comments)")

    train = sub.add_parser("train", help="train a model on a folder of .txt stories")
    train.add_argument("--corpus", nargs="+", required=True, help=".txt files or folders of them")
    train.add_argument("--out", type=Path, required=True, help="output folder (checkpoints in OUT/best and OUT/last)")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, default=None, help="wall-clock budget")
    budget.add_argument("--steps", type=int, default=None, help="number of optimizer steps")
    train.add_argument("--resume", action="store_true", help="continue from OUT/last exactly")
    train.add_argument("--init-from", type=Path, default=None, metavar="CKPT",
                       help="fine-tune: start from this checkpoint's weights and tokenizer with a fresh schedule")
    train.add_argument("--config", type=Path, default=None, help="JSON file: {'model': {...}, 'train': {...}}")
    train.add_argument("--exclude", nargs="*", default=[], metavar="GLOB", help="files to hold out (glob on name or path)")
    train.add_argument("--cache-dir", type=Path, default=None, help="where the encoded corpus is cached")
    train.add_argument("--model-id", default=None, help="name recorded in the checkpoint")

    ev = sub.add_parser("eval", help="bits per character and perplexity on text; play metrics on a script")
    ev.add_argument("--model", type=Path, default=None)
    ev.add_argument("--corpus", nargs="+", default=None, help=".txt files or folders to score")
    ev.add_argument("--script", default=None, help="play this script headless and report generation metrics")
    ev.add_argument("--seed", type=int, default=1)
    _add_steering_options(ev)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--max-chars", type=int, default=2_000_000, help="score at most this many characters per run")
    ev.add_argument("--range", default=None, metavar="A:B",
                    help="score only this fraction of each file, e.g. 0.9:1.0 for the last 10%%")
    ev.add_argument("--no-memory-eval", action="store_true", help="skip the memory ablation (faster)")
    ev.add_argument("--annotated", nargs="+", default=None, metavar="PATH",
                    help="annotated story JSON files or folders: precision/recall of the memory summarizer")
    ev.add_argument("--windows", type=int, default=240, help="windows in the memory ablation")
    ev.add_argument("--chart", type=Path, default=None, help="write an SVG chart of bpc vs distance into the story")
    ev.add_argument("--tune-cache", action="store_true",
                    help="grid-search the cache pointer's theta, lambda and window on --corpus (use validation text) "
                         "and store the best in the model's config.json")
    ev.add_argument("--tune-pointer", action="store_true",
                    help="grid-search the memory pointer's two weights on --corpus (use validation text) and store "
                         "the best in the model's config.json")

    summ = sub.add_parser("summarize", help="print the rolling memory after reading a story file")
    summ.add_argument("file", help="story file ('-' for stdin)")
    summ.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="copy a checkpoint for shipping (weights only, float16)")
    export.add_argument("--model", type=Path, required=True, help="checkpoint folder, e.g. runs/mine/best")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--float32", action="store_true", help="keep float32 weights")

    bench = sub.add_parser("bench", help="measure narration and training speed on this machine")
    bench.add_argument("--model", type=Path, default=None)
    bench.add_argument("--tokens", type=int, default=400)
    bench.add_argument("--train", action="store_true", help="also measure training tokens/s (forward + backward)")
    bench.add_argument("--tui", action="store_true",
                       help="also measure streaming in the TUI (run headless): tokens/s and Enter-to-first-words")
    bench.add_argument("--tui-turns", type=int, default=0,
                       help="with --tui, play this many turns (the bench commands over and over) to see a long "
                            "session: 40 or more also reports the speed over the last 20")
    bench.add_argument("--json", action="store_true")
    return parser


def saves_dir_from(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    env = os.environ.get("STORYTELLER_SAVES")
    return Path(env) if env else Path.cwd() / "saves"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    # `storyteller` alone, or only play options, means play.
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["play", *argv]
    args = parser.parse_args(argv)
    try:
        if args.command == "play":
            return cmd_play(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "eval":
            return cmd_eval(args)
        if args.command == "summarize":
            return cmd_summarize(args)
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "export":
            return cmd_export(args)
        parser.print_help()
        return 2
    except UserError as e:
        print(f"storyteller: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("storyteller: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `storyteller play --script s.txt | head`: the reader left; stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


# -- play ------------------------------------------------------------------------------------------
def _open_engine(args):
    from storyteller.checkpoint import CheckpointError, default_model_path, load_checkpoint
    from storyteller.engine import Engine
    from storyteller.generator import Generator
    from storyteller.saves import SaveError, validate_name

    if args.temperature is not None and not 0.0 <= args.temperature <= 2.0:
        raise UserError(f"temperature must be between 0 and 2.0 (0.05 or less: greedy), got {args.temperature}")
    check_steering(args)
    check_seed(args.seed)
    if args.load:
        try:
            validate_name(args.load)
        except SaveError as e:
            raise UserError(str(e)) from None
    model_path = args.model or default_model_path()
    try:
        checkpoint = load_checkpoint(model_path)
    except CheckpointError as e:
        raise UserError(str(e)) from None
    opening = None
    if args.opening is not None:
        opening = read_text(str(args.opening), "opening").strip()
        if not opening:
            raise UserError(f"opening {args.opening} is empty")
    generator = Generator(checkpoint, quantize=not args.no_quantize)
    engine = Engine(generator, saves_dir=saves_dir_from(args.saves_dir), seed=args.seed, opening=opening)
    if args.temperature is not None:
        engine.set_temperature(args.temperature)
    if args.load:
        try:
            engine.load(args.load)
        except SaveError as e:
            raise UserError(str(e)) from None
    apply_steering(engine, args)  # after a load: the command line wins over the save's settings
    return engine


def cmd_play(args) -> int:
    if args.script is None:
        engine = _open_engine(args)
        from storyteller.tui.app import make_app

        make_app(engine).run()
        return 0
    lines: list[str] = []
    if args.script != "-":
        lines = read_text(args.script, "script").splitlines()
    engine = _open_engine(args)  # model, temperature and --load are checked before stdin is read
    if args.script == "-":
        lines = read_text("-", "script").splitlines()
    from storyteller.engine import play_script

    play_script(engine, lines, out=sys.stdout)
    return 0


# -- train -----------------------------------------------------------------------------------------
def cmd_train(args) -> int:
    from rich.console import Console

    from storyteller.checkpoint import CheckpointError, config_problem
    from storyteller.config import ModelConfig, TrainConfig, from_dict
    from storyteller.progress import RichTrainingDisplay, summary_table
    from storyteller.training import train

    # A budget that never ends (NaN, negative minutes) or cannot start (negative steps); 0 means "none given",
    # which --resume reads as "the saved run's own budget".
    if args.minutes is not None and not (math.isfinite(args.minutes) and args.minutes >= 0):
        raise UserError(f"--minutes must be a number, 0 or more, got {args.minutes}")
    if args.steps is not None and args.steps < 0:
        raise UserError(f"--steps must be 0 or more, got {args.steps}")
    model_config, train_config = ModelConfig(), TrainConfig()
    if args.config is not None:
        try:
            raw = json.loads(args.config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:  # ValueError: not JSON, not UTF-8
            raise UserError(f"cannot read config {args.config}: {e}") from None
        if not isinstance(raw, dict):
            raise UserError(f"bad config {args.config}: expected an object with 'model' and 'train' keys")
        for key, cls in (("model", ModelConfig), ("train", TrainConfig)):
            if problem := config_problem(cls, raw.get(key, {})):
                raise UserError(f"bad config {args.config}: {key}: {problem}")
        model_config = from_dict(ModelConfig, raw.get("model", {}))
        train_config = from_dict(TrainConfig, raw.get("train", {}))
        if train_config.minutes < 0 or train_config.max_steps < 0:
            raise UserError(f"bad config {args.config}: train: minutes and max_steps must be 0 or more")
    if args.resume:  # the saved run's settings apply; a budget given now is extra time or steps
        train_config.minutes, train_config.max_steps = 0.0, 0
    if args.minutes is not None:
        train_config.minutes, train_config.max_steps = args.minutes, 0
    if args.steps is not None:
        train_config.max_steps, train_config.minutes = args.steps, 0.0
    if not args.resume and not (train_config.minutes or train_config.max_steps):
        raise UserError("give a budget: --minutes M or --steps N")
    for c in args.corpus:
        if not Path(c).exists():
            raise UserError(f"no such corpus file or folder: {c}")
    try:  # now, not after the tokenizer is trained
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        why = "it is a file, not a folder" if args.out.is_file() else e.strerror or e
        raise UserError(f"cannot write to --out {args.out}: {why}") from None
    console = Console(stderr=False)
    import torch.distributed as dist

    rank = int(os.environ.get("RANK", "0"))
    # Ctrl-C finishes the current step and writes OUT/last, so `--resume` continues exactly; twice aborts.
    stop = threading.Event()

    def on_sigint(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        console.print("[yellow]stopping after this step and saving a checkpoint (Ctrl-C again to abort)")

    previous_handler = signal.signal(signal.SIGINT, on_sigint)
    try:
        with RichTrainingDisplay(console, train_config.max_steps or None, train_config.minutes or None) as display:
            cbs = display.callbacks() if rank == 0 else None
            try:
                result = train(args.corpus, args.out, train_config, model_config, resume=args.resume,
                               exclude=args.exclude, callbacks=cbs, cache_dir=args.cache_dir,
                               model_id=args.model_id, should_stop=stop.is_set, init_from=args.init_from)
            except (FileNotFoundError, ValueError, CheckpointError) as e:  # a bad --init-from or OUT/last
                raise UserError(str(e)) from None
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    if stop.is_set() and rank == 0:
        console.print(f"[yellow]stopped at step {result.steps}; continue with: storyteller train ... --out {args.out} --resume")
    if rank == 0:
        console.print(summary_table(result))
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


# -- eval ------------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    from storyteller.engine import script_commands
    from storyteller.evaluation import run_eval_command

    check_steering(args)
    check_seed(args.seed)
    if args.windows < 2:  # the ablation compares each window with other stories' memories
        raise UserError(f"--windows must be 2 or more, got {args.windows}")
    if args.max_chars < 1:
        raise UserError(f"--max-chars must be 1 or more, got {args.max_chars}")
    if args.chart is not None and (args.chart.is_dir() or not args.chart.parent.is_dir()):
        # checked now: the chart is written after the whole evaluation
        raise UserError(f"cannot write --chart {args.chart}: "
                        f"{'it is a folder' if args.chart.is_dir() else 'no such folder ' + str(args.chart.parent)}")
    args.script_lines = read_text(args.script, "script").splitlines() if args.script else None
    if args.script_lines is not None and all(line.startswith("/") for line in script_commands(args.script_lines)):
        raise UserError(f"script {args.script} has no commands to play (only comments, blank lines or /meta-commands)")
    args.configure_engine = lambda engine: apply_steering(engine, args)  # for --script plays
    return run_eval_command(args, UserError)


# -- summarize -------------------------------------------------------------------------------------
def cmd_summarize(args) -> int:
    from storyteller.memory import summarize_text

    text = read_text(args.file, "story")
    memory = summarize_text(text)
    if args.json:
        print(json.dumps(memory.summary_json(), indent=2))
    else:
        from rich.console import Console
        from rich.panel import Panel

        Console().print(Panel(memory.render(budget=10_000), title=f"memory of {args.file}"))
    return 0


# -- export ----------------------------------------------------------------------------------------
def cmd_export(args) -> int:
    from storyteller.checkpoint import CheckpointError, export_checkpoint

    try:
        path = export_checkpoint(args.model, args.out, half=not args.float32)
    except CheckpointError as e:
        raise UserError(str(e)) from None
    size = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    print(f"exported {args.model} -> {path} ({size:.1f} MB)")
    return 0


# -- bench -----------------------------------------------------------------------------------------
def cmd_bench(args) -> int:
    from storyteller.evaluation import run_bench_command

    if args.tokens < 1:
        raise UserError(f"--tokens must be 1 or more, got {args.tokens}")
    if args.tui_turns and not (2 <= args.tui_turns <= 1000 and args.tui):
        raise UserError(f"--tui-turns goes with --tui and must be from 2 to 1000, got {args.tui_turns}")
    return run_bench_command(args, UserError)


if __name__ == "__main__":
    raise SystemExit(main())
