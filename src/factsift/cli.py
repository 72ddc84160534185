"""The ``factsift`` command line: extract facts from files, and show them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

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

from .batch import Summary, estimate, run_batch
from .documents import DEFAULT_MAX_CHARS, count_articles
from .errors import FactsiftError
from .extract import Extractor
from .schema import ArticleFacts

app = typer.Typer(
    help="Turn news articles into typed, source-grounded claims and events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: an error is one line, whatever the terminal width.
err = Console(stderr=True, soft_wrap=True)
out = Console()


def _load_prices(path: Path | None) -> dict[str, tuple[float, float]] | None:
    if path is None:
        return None
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): (float(v[0]), float(v[1])) for k, v in table.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise typer.BadParameter(
            f"{path}: expected a JSON object of model -> [input, output] USD per million tokens "
            f"({exc})"
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
    window_tokens: Annotated[
        int, typer.Option(help="Largest piece of article, in estimated tokens, sent at once.")
    ] = 3000,
    max_chars: Annotated[
        int, typer.Option(help="Articles longer than this, after cleaning, are refused.")
    ] = DEFAULT_MAX_CHARS,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Sampling seed, for servers that honour it.")] = 0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one response.")] = 120.0,
    prices: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="JSON file of model -> [input, output] USD per million tokens."),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(help="Requests in flight at once; the server's parallel slots.")
    ] = 4,
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
            help="Redo articles that failed in an earlier run of this output, asking the "
            "model anew (their stored answers are not reused)."
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
    output are skipped (failed ones too, unless --retry-failed). The exit
    status is 1 if any article failed.
    """
    try:
        extractor = Extractor(
            model,
            base_url=base_url,
            mode=mode,
            strategy=strategy,
            cache=cache,
            cache_dir=cache_dir,
            window_tokens=window_tokens,
            temperature=temperature,
            seed=seed,
            timeout=timeout,
            prices=_load_prices(prices),
            rpm=rpm,
            tpm=tpm,
        )
    except FactsiftError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if dry_run:
        with extractor:
            guess = estimate(extractor, paths, max_chars=max_chars)
        cost = "unpriced" if guess.cost_usd is None else f"${guess.cost_usd:.4f} for prompts"
        err.print(
            f"{guess.articles} articles ({guess.unreadable} unreadable): about "
            f"{guess.requests} requests and {guess.prompt_tokens:,} prompt tokens, {cost} "
            f"(answers not included; cached answers cost nothing)"
        )
        return

    total = count_articles(paths)
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

    def advance(name: str, error: str | None) -> None:
        if error is not None:
            progress.console.print(f"[red]failed[/] {escape(error)}")
        progress.update(task, advance=1, current=escape(name))
        if not quiet and not err.is_terminal:
            # No live bar in a log file: one line per article instead.
            done = int(progress.tasks[task].completed)
            err.print(f"[{done}/{total}] {escape(name)}" + (" failed" if error else ""))

    with extractor, progress:
        task = progress.add_task("extract", total=total, current="")
        try:
            summary = run_batch(
                extractor,
                paths,
                output,
                concurrency=concurrency,
                retry_failed=retry_failed,
                max_chars=max_chars,
                published=published,
                on_article=advance,
            )
        except KeyboardInterrupt:
            err.print(
                f"[yellow]interrupted:[/] finished articles are in {escape(str(output))}; "
                "run the same command again to go on"
            )
            raise typer.Exit(130) from None
    _print_summary(summary, output)
    if summary.failed:
        raise typer.Exit(1)


def _print_summary(summary: Summary, output: Path) -> None:
    cost = "unpriced" if summary.unpriced and not summary.cost_usd else f"${summary.cost_usd:.4f}"
    skipped = f", {summary.skipped} already done" if summary.skipped else ""
    err.print(
        f"[bold]{summary.articles}[/] articles ({summary.failed} failed{skipped}): "
        f"{summary.claims} claims, {summary.events} events, {summary.rejected} rejected; "
        f"{summary.prompt_tokens + summary.completion_tokens:,} tokens, {cost}; "
        f"{summary.cached_calls} of {summary.llm_calls} LLM calls from the cache "
        f"-> {escape(str(output))}"
    )


def _read_results(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                err.print(f"[yellow]{escape(str(path))}:{number}: not JSON ({exc}); skipped[/]")
    return records


@app.command()
def show(
    results: Annotated[Path, typer.Argument(help="A JSON Lines file written by 'extract'.")],
    article: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--id", help="Show only the article with this id."),
    ] = None,
) -> None:
    """Print extracted claims and events readably."""
    if not results.is_file():
        err.print(f"[red]error:[/] {escape(str(results))}: no such file")
        raise typer.Exit(2)
    for record in _read_results(results):
        if article is not None and record.get("id") != article:
            continue
        if "error" in record:
            out.print(
                f"[bold]{escape(str(record.get('id')))}[/]  [red]failed:[/] "
                f"{escape(str(record['error']))}\n"
            )
            continue
        _show_facts(ArticleFacts.model_validate(record))


def _show_facts(facts: ArticleFacts) -> None:
    out.rule(f"[bold]{escape(facts.title or facts.id)}[/]  ({escape(facts.source or facts.id)})")
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
        claims.add_row(
            c.kind.value,
            c.certainty.value,
            escape(who + cue),
            escape(c.statement),
            escape(" … ".join(f"“{s.text}”" for s in c.evidence)),
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
            escape(e.trigger.text),
            e.realis.value,
            escape("; ".join(f"{p.role}: {p.span.text}" for p in e.participants)),
            escape(" / ".join(x for x in (e.location.text if e.location else "", when) if x)),
        )
    out.print(events)
    for r in facts.rejected:
        out.print(f"[yellow]rejected {r.field}:[/] {escape('; '.join(r.reasons))}")
    for w in facts.warnings:
        out.print(f"[dim]warning: {escape(w)}[/]")
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
    from .report import write_report

    if not results.is_file():
        err.print(f"[red]error:[/] {escape(str(results))}: no such file")
        raise typer.Exit(2)
    count = write_report(results, output)
    err.print(f"{count} articles -> {escape(str(output))}")


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score predictions against gold annotations: claims, events, grounding.

    Keys absent from the gold (no "claims", or no "events") are not scored.
    """
    from .evaluate import evaluate, load_gold, load_predictions, load_type_map

    for path in (predictions, gold):
        if not path.is_file():
            err.print(f"[red]error:[/] {escape(str(path))}: no such file")
            raise typer.Exit(2)
    try:
        mapping = load_type_map(type_map)
        result = evaluate(load_predictions(predictions), load_gold(gold), type_map=mapping)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.format_table())


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
    from .export import write_tables

    if fmt not in ("csv", "parquet"):
        err.print(f"[red]error:[/] unknown format {escape(fmt)!r}; choose csv or parquet")
        raise typer.Exit(2)
    if not results.is_file():
        err.print(f"[red]error:[/] {escape(str(results))}: no such file")
        raise typer.Exit(2)
    try:
        written = write_tables(results, output, fmt)  # type: ignore[arg-type]
    except FactsiftError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    for path in written:
        err.print(f"wrote {escape(str(path))}")


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
        from .factbase import link as link_results
        from .factbase.judge import LLMJudge
        from .factbase.view import write_view
    except ImportError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}; install factsift[link]")
        raise typer.Exit(2) from None
    for path in results:
        if not path.is_file():
            err.print(f"[red]error:[/] {escape(str(path))}: no such file")
            raise typer.Exit(2)
    if judge_model is None:
        summary = link_results(results, output)
        judged = ""
    else:
        with Extractor(judge_model, base_url=base_url) as extractor:
            judge = LLMJudge(extractor)
            summary = link_results(results, output, judge=judge)
        judged = (
            f" ({judge.usage.cached_calls} from the cache, "
            f"{judge.usage.prompt_tokens + judge.usage.completion_tokens:,} tokens)"
        )
    for message in summary.errors:
        err.print(f"[yellow]skipped:[/] {escape(message)}")
    err.print(
        f"[bold]{summary.articles}[/] articles linked ({summary.skipped} already in the base, "
        f"{summary.failed} failed): {summary.claims} claims, {summary.events} events, "
        f"{summary.entities} new entities; {summary.pairs_scored} claim pairs scored, "
        f"{summary.same} same, {summary.contradictions} contradictions, "
        f"{summary.near_duplicates} near-duplicate articles; "
        f"{summary.judge_calls} LLM judge calls{judged} -> {escape(str(output))}"
    )
    if html is not None:
        write_view(output, html)
        err.print(f"corpus view -> {escape(str(html))}")


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
        from .factbase.ecb import predict, read_topics, score
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
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(2)
