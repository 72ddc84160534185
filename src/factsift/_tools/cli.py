"""The ``factsift`` command line: extract facts from files, and show them."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import stat
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from factsift._pipeline.documents import DEFAULT_MAX_CHARS, count_articles
from factsift.errors import FactsiftError, OutputError

if TYPE_CHECKING:
    from factsift._edges.batch import Outcome, Summary
    from factsift._edges.llm import Prices
    from factsift._edges.results import ResultsFile
    from factsift.schema import ArticleFacts

# The LLM stack (openai, instructor, httpx) is imported by `extract` alone: the
# commands that send nothing start in a fraction of the time (bench/startup.py).

app = typer.Typer(
    help="Turn news articles into typed, source-grounded claims and events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: an error is one line, whatever the terminal width.
err = Console(stderr=True, soft_wrap=True)
out = Console()

# C0/C1 controls (ESC starts terminal sequences) and bidi overrides; \t and \n stay
# where a text keeps its lines, and become spaces in a one-line name.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n]")


def _safe(value: object, *, lines: bool = False) -> str:
    """``value`` fit for the terminal: no control characters, Rich markup escaped.

    Ids, titles, file names and texts come from the input; an escape sequence
    in one must not clear the screen or move the cursor.
    """
    text = _CONTROLS.sub("", str(value))
    if not lines:
        text = _LINE_BREAKS.sub(" ", text)
    return escape(text)


def _fail(message: str) -> NoReturn:
    """A failure of the command itself: one line naming the fix, exit status 2.

    Exit status 1 is kept for "some articles failed".
    """
    err.print(f"[red]error:[/] {_safe(message)}")
    raise typer.Exit(2)


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    err.print(f"[yellow]warning:[/] {_safe(message)}")


@app.callback()
def _commands() -> None:
    # Warnings (a skipped line of a results file, a cache moved aside) as one yellow
    # line each, not Python's file-and-line format.
    warnings.showwarning = _show_warning


def _load_prices(path: Path | None) -> dict[str, Prices] | None:
    if path is None:
        return None
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        prices: dict[str, Prices] = {}
        for model, values in table.items():
            if len(values) not in (2, 3):
                raise ValueError(f"{model}: give 2 or 3 prices, not {len(values)}")
            prices[str(model)] = tuple(float(v) for v in values)  # type: ignore[assignment]
        return prices
    except (OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise typer.BadParameter(
            f"{path}: expected a JSON object of model -> [input, output] or [input, output, "
            f"cached input] USD per million tokens ({exc})"
        ) from None


@app.command()
def extract(
    paths: Annotated[
        list[Path], typer.Argument(help="Article files or folders (searched recursively).")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="JSON Lines file to write, one line per article.")
    ] = Path("facts.jsonl"),
    model: Annotated[
        Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option(
            help="Model name, or local:/path/to/model.gguf. Default: $FACTSIFT_MODEL, else the "
            "bundled local model (or gpt-4o-mini when only an API key is set).",
        ),
    ] = None,
    base_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1. "
            "Default: $OPENAI_BASE_URL."
        ),
    ] = None,
    api_key: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="API key for the server. Default: $OPENAI_API_KEY. Never printed, "
            "cached or written to the results.",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(help="Structured-output mode: auto, tools, json_schema, json, md_json."),
    ] = "auto",
    strategy: Annotated[
        str,
        typer.Option(
            help="How the article is put to the model: chunk (whole windows, for capable "
            "models), sentence (rules propose, the model picks: for the bundled small model), "
            "or auto."
        ),
    ] = "auto",
    published: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Publication date (YYYY-MM-DD) for articles without one; "
            "anchors relative times such as 'last month'."
        ),
    ] = None,
    cache: Annotated[
        str,
        typer.Option(
            help="Response cache: read-write, read-only, off, or offline "
            "(a cache miss is an error and nothing is sent)."
        ),
    ] = "read-write",
    cache_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Cache folder. Default: $FACTSIFT_CACHE_DIR, else the user cache dir."),
    ] = None,
    cache_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="A cache that several machines share, instead of the cache folder: "
            "redis://host:port/db, or a folder on any fsspec filesystem "
            "(file:///shared/dir, s3://bucket/prefix)."
        ),
    ] = None,
    window_tokens: Annotated[
        int, typer.Option(help="Largest piece of article, in estimated tokens, sent at once.")
    ] = 3000,
    max_chars: Annotated[
        int, typer.Option(help="Articles longer than this, after cleaning, are refused.")
    ] = DEFAULT_MAX_CHARS,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Sampling seed, for servers that honour it.")] = 0,
    timeout: Annotated[
        float, typer.Option(help="Seconds one request may take in all, answer included.")
    ] = 120.0,
    prices: Annotated[
        Optional[Path],  # noqa: UP045
        # The backslashes keep Rich from reading "[input, output]" as markup.
        typer.Option(
            help="JSON file of model -> \\[input, output] or \\[input, output, cached input] "
            "USD per million tokens."
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            help="Requests in flight at once; the server's parallel slots. "
            "With --engine ray: per actor."
        ),
    ] = 4,
    engine: Annotated[
        str,
        typer.Option(help="local (one process), or ray (an actor pool on a Ray cluster)."),
    ] = "local",
    ray_address: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="With --engine ray: the cluster to join (ray start --head prints it). "
            "Default: $RAY_ADDRESS, else a local Ray."
        ),
    ] = None,
    actors: Annotated[
        int, typer.Option(help="With --engine ray: extraction actors, each with its own client.")
    ] = 2,
    rpm: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(help="Stay under this many requests per minute (client-side limit)."),
    ] = None,
    tpm: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(help="Stay under this many prompt tokens per minute (estimated)."),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            help="Redo articles that failed or are partial (lost a window) in an earlier run "
            "of this output, asking the model anew (their stored answers are not reused)."
        ),
    ] = False,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            help="Read symbolic links in folders that lead out of the folder (they are "
            "refused otherwise)."
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Count articles and estimate tokens and cost; send nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract claims and events from articles into a JSON Lines file.

    Each input article becomes one line: its facts, or an error record with
    the reason. Re-running the same command resumes: articles already in the
    output are skipped (failed and partial ones too, unless --retry-failed). The exit
    status is 1 if any article failed or is partial (lost a window), 2 if the command
    itself cannot run.
    """
    from factsift._edges.batch import estimate, run_batch
    from factsift._pipeline.extract import Extractor

    if engine not in ("local", "ray"):
        _fail(f"unknown engine {engine!r}; choose local or ray")
    _check_options(concurrency=concurrency, rpm=rpm, tpm=tpm, max_chars=max_chars)
    if published is not None:
        try:
            dt.date.fromisoformat(published.strip())
        except ValueError:
            _fail(f"--published {published!r} is not a date; use YYYY-MM-DD, e.g. 2024-05-02")
    if not dry_run:
        _check_output(output)
    if cache != "off":
        _check_cache_dir(cache_dir)
    # The output is checked and locked before any set-up: a bad one is refused at once.
    results = None if dry_run else _open_output(paths, output)
    settings: dict[str, Any] = {
        "model": model,
        "base_url": base_url,
        "api_key": api_key,
        "mode": mode,
        "strategy": strategy,
        "cache": cache,
        "cache_dir": cache_dir,
        "cache_url": cache_url,
        "window_tokens": window_tokens,
        "temperature": temperature,
        "seed": seed,
        "timeout": timeout,
        "prices": _load_prices(prices),
        "rpm": rpm,
        "tpm": tpm,
    }
    try:
        extractor = Extractor(**settings)
        # Nothing is sent in a dry run or offline: no key is needed there.
        if not dry_run and cache != "offline":
            extractor.settings.check_key()
    except BaseException as exc:
        if results is not None:
            results.close()
        if not isinstance(exc, FactsiftError):
            raise
        _fail(str(exc))
    if dry_run or results is None:
        with extractor:
            guess = estimate(extractor, paths, max_chars=max_chars)
        cost = "unpriced" if guess.cost_usd is None else f"${guess.cost_usd:.4f} for prompts"
        err.print(
            f"{guess.articles} articles ({guess.unreadable} unreadable): about "
            f"{guess.requests} requests and {guess.prompt_tokens:,} prompt tokens, {cost} "
            f"(answers not included; cached answers cost nothing)"
        )
        return

    if engine == "ray":
        try:
            from factsift.ray import run_ray
        except ImportError as exc:
            _fail(f"--engine ray needs pip install 'factsift[ray]' ({exc})")

    total = count_articles(paths, follow_symlinks=follow_symlinks, max_chars=max_chars)
    progress = Progress(
        TextColumn("[bold]extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}"),
        console=err,
        disable=quiet,
    )

    def advance(name: str, outcome: Outcome, message: str | None) -> None:
        if message is not None:
            colour = "red" if outcome == "failed" else "yellow"
            progress.console.print(f"[{colour}]{outcome}[/] {_safe(message)}")
        progress.update(task, advance=1, current=_safe(name))
        if not quiet and not err.is_terminal:
            # No live bar in a log file: one line per article instead.
            done = int(progress.tasks[task].completed)
            note = f" {outcome}" if outcome in ("failed", "partial", "duplicate") else ""
            err.print(f"[{done}/{total}] {_safe(name)}{note}")

    with extractor, progress, contextlib.closing(results):
        task = progress.add_task("extract", total=total, current="")
        options: dict[str, Any] = {
            "retry_failed": retry_failed,
            "max_chars": max_chars,
            "published": published,
            "on_article": advance,
        }
        try:
            if engine == "ray":
                summary = run_ray(
                    settings,
                    paths,
                    results,
                    address=ray_address,
                    actors=actors,
                    in_flight=concurrency,
                    follow_symlinks=follow_symlinks,
                    **options,
                )
            else:
                summary = run_batch(
                    extractor,
                    paths,
                    results,
                    concurrency=concurrency,
                    follow_symlinks=follow_symlinks,
                    **options,
                )
        except KeyboardInterrupt:
            err.print(
                f"[yellow]interrupted:[/] finished articles are in {_safe(output)}; "
                "run the same command again to go on"
            )
            raise typer.Exit(130) from None
        except OSError as exc:
            _fail(
                f"cannot write {exc.filename or output}: {exc.strerror or exc}; "
                "choose a writable place with -o"
            )
    _print_summary(summary, output)
    if summary.incomplete:
        raise typer.Exit(1)


def _require_results(path: Path) -> None:
    """Fail in one line unless ``path`` is a results file written by ``extract``."""
    from factsift._pipeline.documents import holds_results

    if not path.is_file():
        _fail(f"{path}: no such file")
    if not holds_results(path):
        _fail(
            f"{path} is not a results file written by 'factsift extract' (no line is an "
            "article's facts or an error record); pass the JSON Lines file that extract wrote"
        )


def _check_options(
    *, concurrency: int, rpm: float | None, tpm: float | None, max_chars: int
) -> None:
    if concurrency < 1:
        _fail(f"--concurrency {concurrency}: at least 1 request must be in flight")
    for name, value in (("--rpm", rpm), ("--tpm", tpm)):
        if value is not None and not value > 0:
            _fail(f"{name} {value:g}: a rate must be more than 0; leave it out for no limit")
    if max_chars < 1:
        _fail(f"--max-chars {max_chars}: must be at least 1")


def _check_output(output: Path) -> None:
    """Fail now, in one line, if the results file cannot be written."""
    try:
        mode = output.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        _fail(f"{output}: {exc.strerror}; choose another file with -o")
    if mode is not None and stat.S_ISDIR(mode):
        _fail(f"{output} is a folder; name a file with -o, e.g. -o {output / 'facts.jsonl'}")
    if mode is not None and not stat.S_ISREG(mode):
        # A pipe or terminal cannot be read back to resume, nor repaired.
        _fail(f"{output} is not a regular file; write the results to a file with -o")
    folder = output.parent
    if not folder.is_dir():
        _fail(f"folder {folder} does not exist; create it or choose another file with -o")
    if not os.access(folder, os.W_OK | os.X_OK) or (
        mode is not None and not os.access(output, os.W_OK)
    ):
        _fail(f"cannot write {output} (read-only); choose a writable place with -o")


def _check_cache_dir(cache_dir: Path | None) -> None:
    from factsift._edges.cache import default_cache_dir

    folder = cache_dir or default_cache_dir()
    if folder.exists() and not folder.is_dir():
        _fail(f"the cache folder {folder} is a file; choose a folder with --cache-dir")


def _open_output(paths: list[Path], output: Path) -> ResultsFile:
    from factsift._edges.batch import open_output

    try:
        return open_output(paths, output)
    except OutputError as exc:
        _fail(str(exc))


def _print_summary(summary: Summary, output: Path) -> None:
    cost = "unpriced" if summary.unpriced and not summary.cost_usd else f"${summary.cost_usd:.4f}"
    skipped = f", {summary.skipped} already done" if summary.skipped else ""
    if summary.skipped_incomplete:
        skipped += (
            f" ({summary.skipped_incomplete} of them failed or partial: --retry-failed redoes them)"
        )
    partial = f", {summary.partial} partial" if summary.partial else ""
    if summary.duplicates:
        # Records in, lines out: say why the counts differ.
        skipped += (
            f", {summary.duplicates} duplicate input(s) of an article already met, "
            "not written again"
        )
    from_cache = (
        f" ({summary.cached_prompt_tokens:,} prompt tokens from the provider's prompt cache)"
        if summary.cached_prompt_tokens
        else ""
    )
    err.print(
        f"[bold]{summary.articles}[/] articles ({summary.failed} failed{partial}{skipped}): "
        f"{summary.claims} claims, {summary.events} events, {summary.rejected} rejected; "
        f"{summary.prompt_tokens + summary.completion_tokens:,} tokens{from_cache}, {cost}; "
        f"{summary.cached_calls} of {summary.llm_calls} LLM calls from the cache "
        f"-> {_safe(output)}"
    )


@app.command()
def show(
    results: Annotated[Path, typer.Argument(help="A JSON Lines file written by 'extract'.")],
    article: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--id", help="Show only the article with this id."),
    ] = None,
) -> None:
    """Print extracted claims and events readably."""
    from factsift._edges.results import read_results
    from factsift.schema import ArticleFacts

    _require_results(results)
    for record in read_results(results):
        if isinstance(record, ArticleFacts):
            if article is None or record.id == article:
                _show_facts(record)
            continue
        if article is not None and record.get("id") != article:
            continue
        out.print(f"[bold]{_safe(record.get('id'))}[/]  [red]failed:[/] {_safe(record['error'])}\n")


def _show_facts(facts: ArticleFacts) -> None:
    out.rule(f"[bold]{_safe(facts.title or facts.id)}[/]  ({_safe(facts.source or facts.id)})")
    claims = Table(
        "kind",
        "certainty",
        "source",
        "claim",
        "evidence",
        title="Claims",
        show_lines=True,
        expand=True,
    )
    for c in facts.claims:
        who = c.attribution.name or c.attribution.source_type.value
        cue = f" ({c.attribution.cue.text})" if c.attribution.cue else ""
        quotes = " … ".join(s.text for s in c.evidence)
        # The sentence strategy states a claim in its sentence's own words: say so
        # rather than print the same text twice.
        same = " ".join(quotes.split()) == " ".join(c.statement.split())
        claims.add_row(
            c.kind.value,
            c.certainty.value,
            _safe(who + cue),
            _safe(c.statement, lines=True),
            "[dim](the claim's own words)[/]"
            if same
            else _safe(" … ".join(f"“{s.text}”" for s in c.evidence), lines=True),
        )
    out.print(claims)
    events = Table(
        "type",
        "trigger",
        "realis",
        "participants",
        "where / when",
        title="Events",
        show_lines=True,
        expand=True,
    )
    for e in facts.events:
        when = e.time.normalized or e.time.span.text if e.time else ""
        events.add_row(
            e.type.value,
            _safe(e.trigger.text),
            e.realis.value,
            _safe("; ".join(f"{p.role}: {p.span.text}" for p in e.participants)),
            _safe(" / ".join(x for x in (e.location.text if e.location else "", when) if x)),
        )
    out.print(events)
    for r in facts.rejected:
        out.print(f"[yellow]rejected {_safe(r.field)}:[/] {_safe('; '.join(r.reasons))}")
    for w in facts.warnings:
        out.print(f"[dim]warning: {_safe(w)}[/]")
    out.print()


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="A JSON Lines file written by 'extract'.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "report.html"
    ),
) -> None:
    """Write one self-contained HTML page: every article, its facts highlighted.

    The page works offline: no external resources, no network requests.
    """
    from factsift._tools.report import write_report

    _require_results(results)
    try:
        count = write_report(results, output)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}; choose a writable place with -o")
    err.print(f"{count} articles -> {_safe(output)}")


@app.command("eval")
def evaluate_command(
    predictions: Annotated[Path, typer.Argument(help="A JSON Lines file written by 'extract'.")],
    gold: Annotated[Path, typer.Argument(help="Gold annotations (JSON Lines, see FORMAT.md).")],
    type_map: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--map",
            help="JSON mapping of the gold's event types to factsift's. Default: the shipped "
            "KAIROS mapping.",
        ),
    ] = None,
    ontology: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--ontology",
            help="The gold's event types ('wikievents', or a JSON list): predicted events "
            "of a type none of them maps to are not scored.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score predictions against gold annotations: claims, events, grounding.

    Keys absent from the gold (no "claims", or no "events") are not scored.
    """
    from factsift.evaluate import (
        evaluate,
        load_gold,
        load_ontology,
        load_predictions,
        load_type_map,
    )

    for path in (predictions, gold):
        if not path.is_file():
            _fail(f"{path}: no such file")
    try:
        mapping = load_type_map(type_map)
        types = None if ontology is None else load_ontology(ontology)
        result = evaluate(
            load_predictions(predictions), load_gold(gold), type_map=mapping, ontology=types
        )
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        # Document ids come from the files: no control character reaches the terminal.
        print(_CONTROLS.sub("", result.format_table()))


@app.command()
def export(
    results: Annotated[Path, typer.Argument(help="A JSON Lines file written by 'extract'.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv (no extra needed) or parquet.")
    ] = "csv",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the tables.")] = Path(
        "facts-tables"
    ),
) -> None:
    """Write flat tables: one row per article, claim, event and participant."""
    from factsift.export import write_tables

    if fmt not in ("csv", "parquet"):
        _fail(f"unknown format {fmt!r}; choose csv or parquet")
    _require_results(results)
    try:
        written = write_tables(results, output, fmt)  # type: ignore[arg-type]
    except FactsiftError as exc:
        _fail(str(exc))
    except OSError as exc:
        where = exc.filename or output
        _fail(f"cannot write {where}: {exc.strerror or exc}; choose a writable folder with -o")
    for path in written:
        err.print(f"wrote {_safe(path)}")


@app.command()
def link(
    results: Annotated[list[Path], typer.Argument(help="JSON Lines files written by 'extract'.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The DuckDB file to create or add to.")
    ] = Path("factbase.duckdb"),
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--report", help="Also write the corpus view, one HTML page."),
    ] = None,
    judge_model: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Ask this model about borderline claim pairs (off by default); "
            "cached and counted like extraction."
        ),
    ] = None,
    base_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="OpenAI-compatible endpoint for the judge. Default: $OPENAI_BASE_URL."),
    ] = None,
) -> None:
    """Link results across articles: claim clusters with their support, contradictions,
    event clusters, entities. Results already in the base are skipped."""
    try:
        from factsift.factbase import link as link_results
        from factsift.factbase.judge import LLMJudge
        from factsift.factbase.view import write_view
    except ImportError as exc:
        _fail(f"{exc}; install factsift[link]")
    for path in results:
        _require_results(path)
    try:
        if judge_model is None:
            summary = link_results(results, output)
            judged = ""
        else:
            from factsift._pipeline.extract import Extractor

            with Extractor(judge_model, base_url=base_url) as extractor:
                judge = LLMJudge(extractor)
                summary = link_results(results, output, judge=judge)
            judged = (
                f" ({judge.usage.cached_calls} from the cache, "
                f"{judge.usage.prompt_tokens + judge.usage.completion_tokens:,} tokens)"
            )
    except FactsiftError as exc:
        _fail(str(exc))
    except Exception as exc:  # duckdb's own errors: a file that is not a fact base, a lock
        if type(exc).__module__.split(".")[0] != "duckdb":
            raise
        _fail(f"{output}: {exc}; name a new or existing fact base with -o")
    for message in summary.errors:
        err.print(f"[yellow]skipped:[/] {_safe(message)}")
    err.print(
        f"[bold]{summary.articles}[/] articles linked ({summary.skipped} already in the base, "
        f"{summary.failed} failed): {summary.claims} claims, {summary.events} events, "
        f"{summary.entities} new entities; {summary.pairs_scored} claim pairs scored, "
        f"{summary.same} same, {summary.contradictions} contradictions, "
        f"{summary.near_duplicates} near-duplicate articles; "
        f"{summary.judge_calls} LLM judge calls{judged} -> {_safe(output)}"
    )
    if html is not None:
        write_view(output, html)
        err.print(f"corpus view -> {_safe(html)}")


@app.command("eval-coref")
def eval_coref(
    gold: Annotated[
        Path, typer.Argument(help="ECB+-format JSON Lines: topics, documents, event mentions.")
    ],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write the predicted clusters here, same format."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Cluster each topic's event mentions across documents and score them.

    Prints MUC, B-cubed, CEAF-e and the CoNLL F1, all mentions pooled and
    singletons counted. factsift reads only the texts and the mention offsets.
    """
    try:
        from factsift.factbase.ecb import predict, read_topics, score
    except ImportError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}; install factsift[coref]")
        raise typer.Exit(2) from None

    if not gold.is_file():
        err.print(f"[red]error:[/] {escape(str(gold))}: no such file")
        raise typer.Exit(2)
    try:
        topics = read_topics(gold)
        predicted = predict(topics)
        scores = score(predicted, topics)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.print(f"[red]error:[/] {escape(str(gold))}: {escape(str(exc))}")
        raise typer.Exit(2) from None
    if output is not None:
        with output.open("w", encoding="utf-8") as handle:
            for line in predicted:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    if as_json:
        print(json.dumps(scores.to_dict(), indent=2))
        return
    print(f"{'':8} {'P':>6} {'R':>6} {'F1':>6}")
    for name, metric in (("MUC", scores.muc), ("B3", scores.b3), ("CEAF-e", scores.ceafe)):
        print(f"{name:8} {metric.precision:6.4f} {metric.recall:6.4f} {metric.f1:6.4f}")
    print(f"CoNLL F1 {scores.conll_f1:.4f}")
    print(
        f"{scores.mentions} mentions, {scores.gold_clusters} gold / "
        f"{scores.predicted_clusters} predicted clusters"
    )


def main() -> None:
    """Entry point of the ``factsift`` script."""
    try:
        app()
    except FactsiftError as exc:
        err.print(f"[red]error:[/] {_safe(exc)}")
        sys.exit(2)
