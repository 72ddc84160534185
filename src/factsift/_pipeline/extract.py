"""The pipeline: a document in, grounded facts out.

``Extractor`` wires the stages together. For each article it segments the
cleaned text into sentence windows, renders the prompt, asks the model for
the draft schema (quotes, not offsets), grounds every quote (re-asking once
when some do not align), merges the windows and resolves times. The LLM and
the cache sit behind :class:`~factsift._edges.llm.LLM`; everything else is pure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from factsift._edges.cache import ResponseCache, cache_key
from factsift._edges.llm import (
    LLM,
    LOCAL_PREFIX,
    LLMSettings,
    Prices,
    RateLimiter,
    RequestSlots,
    Scope,
    Transport,
    estimate_cost,
    resolve_settings,
)
from factsift._pipeline.answer import GroundingState, answer_model, grounding_context
from factsift._pipeline.decompose import DECISIONS, assemble, choice_model, prompt_values
from factsift._pipeline.documents import ARTICLE_SUFFIXES, load_path, make_document
from factsift._pipeline.drafts import GroundedAnswer, ground_answer
from factsift._pipeline.ground import TextIndex
from factsift._pipeline.merge import merge_answers
from factsift._pipeline.prompts import PromptTemplate, load_prompt
from factsift._pipeline.rules import propose_all
from factsift._pipeline.segment import (
    Sentence,
    Window,
    estimate_tokens,
    make_windows,
    split_sentences,
)
from factsift._pipeline.timex import resolve_time
from factsift._version import code_fingerprint
from factsift.errors import ConfigError, InputError, LLMError, SchemaError
from factsift.schema import ArticleFacts, Document, Extraction, Rejected, Span, TimeRef, Usage

__all__ = ["MODEL_DECISIONS", "Extractor", "extract"]

#: What the sentence strategy asks the model; the rules decide the rest. Chosen by
#: measurement (bench/decisions.py, SmolLM2-135M): the model answered the majority class
#: for every item of the labelled kind set and tied or lost on certainty, speaker and
#: event words, so by default it is asked nothing. Pass ``decisions`` to ask it anyway.
MODEL_DECISIONS: frozenset[str] = frozenset()

Article = str | Path | Document


def _fill_times(value: Any, anchor: Any) -> None:
    if isinstance(value, TimeRef):
        value.normalized = resolve_time(value.span.text, anchor)
    elif isinstance(value, BaseModel) and not isinstance(value, Span):
        for name in type(value).model_fields:
            _fill_times(getattr(value, name), anchor)
    elif isinstance(value, list):
        for item in value:
            _fill_times(item, anchor)


def _render_window(sentences: list[Sentence], window: Window, text: str) -> str:
    # A sentence may itself contain the delimiter; break it so the article
    # cannot close its own data block.
    return "\n".join(
        f"[{s.index + 1}] " + text[s.start : s.end].replace("</article>", "</ article>")
        for s in window.sentences
    )


@dataclass
class _Plan:
    doc: Document
    index: TextIndex
    sentences: list[Sentence]
    windows: list[Window]
    started: float
    ask_again: bool = False
    slots: RequestSlots | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)


class Extractor:
    """Configuration, client and cache, reused across many articles.

    >>> with Extractor(model="gpt-4o-mini") as ex:           # doctest: +SKIP
    ...     facts = ex.extract(Path("article.txt"))

    Arguments left out fall back to the environment (``FACTSIFT_MODEL``,
    ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``FACTSIFT_CACHE_DIR``); with
    nothing configured the bundled local model runs in-process.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: str = "auto",
        schema: type[BaseModel] = Extraction,
        temperature: float = 0.0,
        seed: int | None = 0,
        max_tokens: int = 4096,
        timeout: float = 120.0,
        max_attempts: int = 5,
        max_wait: float = 60.0,
        cache: str = "read-write",
        cache_dir: str | Path | None = None,
        cache_url: str | None = None,
        window_tokens: int = 3000,
        overlap: int = 2,
        reasks: int = 1,
        fuzzy_threshold: float = 90.0,
        prices: Mapping[str, Prices] | None = None,
        prompt: str | None = None,
        strategy: str = "auto",
        decisions: Collection[str] | None = None,
        transport: Transport | None = None,
        rpm: float | None = None,
        tpm: float | None = None,
    ) -> None:
        if window_tokens < 50:
            raise ConfigError(f"window_tokens={window_tokens} is too small; use at least 50")
        if reasks < 0:
            raise ConfigError("reasks must be 0 or more")
        self.settings: LLMSettings = resolve_settings(
            model,
            base_url=base_url,
            api_key=api_key,
            mode=mode,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            timeout=timeout,
            max_attempts=max_attempts,
            max_wait=max_wait,
        )
        self.schema = schema
        self.window_tokens = window_tokens
        self.overlap = overlap
        self.reasks = reasks
        self.fuzzy_threshold = fuzzy_threshold
        self.prices = dict(prices or {})
        self.strategy = _choose_strategy(strategy, self.settings, schema)
        self.decisions = frozenset(MODEL_DECISIONS if decisions is None else decisions)
        if unknown := self.decisions - set(DECISIONS):
            raise ConfigError(f"unknown decisions {sorted(unknown)}; choose from {DECISIONS}")
        # Each strategy and schema has its own instructions.
        default_prompt = {"sentence": "sentence", "chunk": "extract"}[self.strategy]
        if schema is not Extraction:
            default_prompt = "custom"
        self.prompt: PromptTemplate = load_prompt(prompt or default_prompt)
        self.cache = ResponseCache(cache_dir, cache, url=cache_url)
        limiter = RateLimiter(rpm, tpm) if rpm or tpm else None
        self.llm = LLM(self.settings, self.cache, transport, limiter)
        self._answer_model = answer_model(schema, limits=self.settings.decodes_by_schema)
        # Everything but the article that changes a result, hashed once.
        self._fingerprint = cache_key(
            {
                "kind": "result",
                "factsift": code_fingerprint(),
                "llm": self.settings.identity(),
                "sampling": self.llm.sampling(),
                "prompt": self.prompt.info.model_dump(),
                "schema": self._answer_model.model_json_schema(),
                "options": [window_tokens, overlap, reasks, fuzzy_threshold, self.strategy],
                "decisions": sorted(self.decisions) if self.strategy == "sentence" else None,
            }
        )

    # -- public API -------------------------------------------------------

    def extract(
        self,
        article: Article,
        *,
        published: Any = None,
        ask_again: bool = False,
        slots: RequestSlots | None = None,
    ) -> ArticleFacts:
        """Facts from one article (text, path or :class:`Document`).

        ``ask_again`` asks the model anew instead of replaying stored answers (for
        an article whose stored answers failed); ``slots`` bounds the requests in
        flight that this and other extractions sharing it send (a batch's limit).
        """
        key, plan = self._begin(article, published, ask_again, slots)
        if isinstance(plan, ArticleFacts):
            return plan
        if self.strategy == "sentence":
            answers = self._ask_sentences(plan)
        else:
            answers = [self._ask(plan, window) for window in plan.windows]
        return self._store(key, self._finish(plan, answers, key), answers)

    async def aextract(
        self,
        article: Article,
        *,
        published: Any = None,
        ask_again: bool = False,
        slots: RequestSlots | None = None,
    ) -> ArticleFacts:
        """Like :meth:`extract`; the article's windows are asked concurrently."""
        key, plan = self._begin(article, published, ask_again, slots)
        if isinstance(plan, ArticleFacts):
            return plan
        if self.strategy == "sentence":
            # One small request per sentence; the local model runs them one at a time anyway.
            answers = await asyncio.to_thread(self._ask_sentences, plan)
        else:
            answers = list(await asyncio.gather(*(self._aask(plan, w) for w in plan.windows)))
        return self._store(key, self._finish(plan, answers, key), answers)

    def _begin(
        self, article: Article, published: Any, ask_again: bool, slots: RequestSlots | None
    ) -> tuple[str, ArticleFacts | _Plan]:
        """The article's key, and its stored result, else the plan to extract it."""
        started = time.perf_counter()
        doc = self.document(article, published)
        key = self.result_key(doc)
        cached = self._cached_result(key, started)
        if cached is not None:
            cached.source = doc.source  # stored under another spelling, maybe
            return key, cached
        plan = self._plan(doc, started)
        plan.ask_again, plan.slots = ask_again, slots
        return key, plan

    def request_sizes(self, doc: Document) -> list[int]:
        """Estimated article tokens of each request ``doc`` would need (for --dry-run)."""
        sentences = split_sentences(doc.text, skip=doc.furniture)
        if self.strategy == "sentence":
            # One small request per claim sentence, with its two neighbours as context.
            proposals = propose_all(doc.text, sentences)
            return [
                estimate_tokens(
                    sentences[min(i + 1, len(sentences) - 1)].end - sentences[max(i - 1, 0)].start
                )
                for i in range(len(sentences))
                if choice_model(proposals[i], self.decisions) is not None
            ]
        windows = make_windows(
            sentences, max_tokens=self.window_tokens, overlap=self.overlap, text=doc.text
        )
        return [estimate_tokens(w.end - w.start) for w in windows]

    def result_key(self, doc: Document) -> str:
        """The cache key of ``doc``'s result under these settings.

        ``doc.source`` is left out: it is where the article was found, spelled as
        it was typed (``./a.txt``, an absolute path, a symlink), and the model
        never sees it. The same article under another spelling is the same work.
        """
        document = doc.model_dump(mode="json", exclude={"source"})
        return cache_key({"settings": self._fingerprint, "document": document})

    def close(self) -> None:
        self.llm.close()
        self.cache.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- stages -----------------------------------------------------------

    def document(self, article: Article, published: Any = None) -> Document:
        """``article`` as the Document this extractor works on (``published`` applied)."""
        doc = as_document(article)
        if published is not None:
            doc = make_document(
                doc.text,
                id=doc.id,
                source=doc.source,
                title=doc.title,
                url=doc.url,
                published=published,
                warnings=doc.warnings,
            )
        return doc

    def _cached_result(self, key: str, started: float) -> ArticleFacts | None:
        # A whole stored result: a re-run skips prompting, parsing and grounding too.
        stored = self.cache.get_result(key)
        if stored is None:
            return None
        try:
            facts = ArticleFacts.model_validate_json(stored)
        except ValueError:  # a garbled entry is a miss; the new result overwrites it
            return None
        facts.usage.cached_calls = facts.usage.calls
        facts.cached = True
        facts.timings_ms = {"total": _ms(started)}
        return facts

    def _store(
        self, key: str, facts: ArticleFacts, answers: list[GroundingState | SchemaError]
    ) -> ArticleFacts:
        # A result with a failed window or sentence is not stored: a re-run tries again.
        if not any(isinstance(answer, SchemaError) for answer in answers):
            self.cache.set_result(key, facts.model_dump_json())
        return facts

    def _plan(self, doc: Document, started: float) -> _Plan:
        sentences = split_sentences(doc.text, skip=doc.furniture)
        windows = make_windows(
            sentences, max_tokens=self.window_tokens, overlap=self.overlap, text=doc.text
        )
        index = TextIndex(doc.text, tuple(doc.furniture))
        plan = _Plan(doc, index, sentences, windows, started)
        plan.timings["prepare"] = _ms(started)
        return plan

    def _messages(self, plan: _Plan, window: Window) -> list[dict[str, str]]:
        doc = plan.doc
        return self.prompt.render(
            schema_name=self.schema.__name__,
            schema_doc=" ".join((self.schema.__doc__ or "").split()),
            doc_id=doc.id,
            title=doc.title or "(none)",
            published=doc.published.isoformat() if doc.published else "(unknown)",
            sentences=_render_window(plan.sentences, window, doc.text),
        )

    def _state(self, plan: _Plan, window: Window) -> GroundingState:
        scope = Scope(
            key_extra={"prompt": self.prompt.info.model_dump(), "reasks": self.reasks},
            ask_again=plan.ask_again,
            slots=plan.slots,
        )
        return GroundingState(
            plan.index, plan.sentences, window, scope, self.reasks, self.fuzzy_threshold
        )

    @contextmanager
    def _window_request(
        self, plan: _Plan, window: Window
    ) -> Iterator[tuple[GroundingState, dict[str, Any]]]:
        """The grounding state for one window's request, and the request's arguments
        (which hand the state to the answer's validator)."""
        state = self._state(plan, window)
        started = time.perf_counter()
        try:
            yield (
                state,
                {
                    "messages": self._messages(plan, window),
                    "response_model": self._answer_model,
                    "scope": state.scope,
                    "reasks": self.reasks,
                    "max_tokens": self._answer_budget(window),
                    "context": grounding_context(state),
                },
            )
        finally:
            plan.timings["llm"] = plan.timings.get("llm", 0.0) + _ms(started)

    def _ask(self, plan: _Plan, window: Window) -> GroundingState | SchemaError:
        with self._window_request(plan, window) as (state, request):
            try:
                self.llm.structured(**request)
            except SchemaError as err:
                return err
        return state

    async def _aask(self, plan: _Plan, window: Window) -> GroundingState | SchemaError:
        with self._window_request(plan, window) as (state, request):
            try:
                await self.llm.astructured(**request)
            except SchemaError as err:
                return err
        return state

    def _answer_budget(self, window: Window) -> int | None:
        """A bound on a local model's answer, from the size of what it was shown.

        A small model that loops stops here instead of at the context's end;
        quotes come from the window, so an honest answer stays well inside it.
        """
        if self.settings.provider != "local":
            return None
        return 512 + 3 * estimate_tokens(window.end - window.start)

    def _ask_sentences(self, plan: _Plan) -> list[GroundingState | SchemaError]:
        """The sentence strategy: rules propose per sentence, the model picks among them."""
        if not plan.sentences:
            return []
        state = self._state(plan, Window(0, tuple(plan.sentences)))
        failed: list[GroundingState | SchemaError] = []
        grounded_claims: list[dict[str, Any]] = []
        grounded_events: list[dict[str, Any]] = []
        rejected: list[Rejected] = []
        checked: list[str] = []
        started = time.perf_counter()
        text = plan.doc.text
        for i, proposal in enumerate(propose_all(text, plan.sentences)):
            labels: BaseModel | None = None
            question = choice_model(proposal, self.decisions)
            if question is not None:
                values = prompt_values(text, plan.sentences, i, proposal, question)
                messages = self.prompt.render(**values)
                try:
                    labels = self.llm.structured(
                        messages, question, state.scope, reasks=self.reasks, max_tokens=96
                    )
                except SchemaError as err:  # the rules' proposal stands
                    failed.append(SchemaError(f"sentence {i + 1}: {err}"))
            found_claims, found_events = assemble(proposal, labels)
            # Each sentence's draft goes through the same grounding as a model's answer.
            draft = self._answer_model.model_validate(
                {"claims": found_claims, "events": found_events}
            )
            grounded = ground_answer(draft, state.locate, state.review)
            grounded_claims += grounded.data["claims"]
            grounded_events += grounded.data["events"]
            rejected += grounded.rejected
            checked += grounded.warnings
        plan.timings["llm"] = _ms(started)
        state.result = GroundedAnswer(
            data={"claims": grounded_claims, "events": grounded_events},
            rejected=rejected,
            warnings=checked,
        )
        return [state, *failed]

    def _finish(
        self, plan: _Plan, answers: list[GroundingState | SchemaError], key: str
    ) -> ArticleFacts:
        started = time.perf_counter()
        doc = plan.doc
        warnings = list(doc.warnings)
        rejected: list[Rejected] = []
        grounded: list[dict[str, Any]] = []
        usage = Usage()
        # A lost window loses facts; a failed sentence question leaves the rules' answer.
        partial = self.strategy == "chunk" and any(isinstance(a, SchemaError) for a in answers)
        for i, answer in enumerate(answers):
            if isinstance(answer, SchemaError):
                # The sentence strategy's errors already name their sentence.
                where = "" if self.strategy == "sentence" else f"window {i + 1} of {len(answers)}: "
                warnings.append(f"{where}{answer}")
                continue
            scope = answer.scope
            usage.calls += scope.calls
            usage.cached_calls += scope.cached_calls
            usage.prompt_tokens += scope.prompt_tokens
            usage.cached_prompt_tokens += scope.cached_prompt_tokens
            usage.completion_tokens += scope.completion_tokens
            if answer.result is not None:
                grounded.append(answer.result.data)
                rejected.extend(answer.result.rejected)
                warnings.extend(w for w in answer.result.warnings if w not in warnings)
        if plan.windows and not grounded:
            raise LLMError(f"{doc.id}: no window gave a usable answer; " + "; ".join(warnings))
        usage.cost_usd = estimate_cost(
            self.settings.model,
            usage.prompt_tokens,
            usage.completion_tokens,
            self.prices,
            usage.cached_prompt_tokens,
        )
        if not plan.windows:
            warnings.append("no sentences to extract from (the article is only page furniture)")
        result = self.schema.model_validate(merge_answers(grounded))
        _fill_times(result, doc.published)
        if rejected:
            warnings.append(
                f"{len(rejected)} item(s) rejected: a quote was not in the article "
                "or a statement was not backed by its evidence"
            )
        plan.timings["ground_merge"] = _ms(started)
        plan.timings["total"] = _ms(plan.started)
        return ArticleFacts(
            id=doc.id,
            key=key,
            source=doc.source,
            title=doc.title,
            url=doc.url,
            published=doc.published,
            text=doc.text,
            claims=result.claims if isinstance(result, Extraction) else [],
            events=result.events if isinstance(result, Extraction) else [],
            data=None if isinstance(result, Extraction) else result.model_dump(mode="json"),
            rejected=rejected,
            warnings=warnings,
            partial=partial,
            model=self.settings.model,
            provider=self.settings.provider,
            strategy=self.strategy,
            prompt=self.prompt.info,
            usage=usage,
            cached=usage.calls > 0 and usage.cached_calls == usage.calls,
            timings_ms=plan.timings,
        )


def _choose_strategy(strategy: str, settings: LLMSettings, schema: type[BaseModel]) -> str:
    if strategy not in ("auto", "chunk", "sentence"):
        raise ConfigError(f"unknown strategy {strategy!r}; choose auto, chunk or sentence")
    if strategy == "sentence" and schema is not Extraction:
        raise ConfigError("the sentence strategy fills the built-in schema only; use chunk")
    if strategy != "auto":
        return strategy
    # The bundled 135M model cannot carry whole-article extraction; any other can.
    small = settings.provider == "local" and settings.model == LOCAL_PREFIX
    return "sentence" if small and schema is Extraction else "chunk"


def _looks_like_a_path(text: str) -> bool:
    return not any(c.isspace() for c in text) and Path(text).suffix.lower() in ARTICLE_SUFFIXES


def as_document(article: Article) -> Document:
    """A :class:`Document` from text, a path, or a Document."""
    if isinstance(article, Document):
        return article
    if isinstance(article, str) and ("\n" in article or len(article) > 1024):
        return make_document(article)
    path = Path(article)
    if isinstance(article, str) and _looks_like_a_path(article) and not path.exists():
        # "artcle.txt" is a typo, not a one-word article.
        raise InputError(path, "no such file (to extract from this text itself, pass more of it)")
    if isinstance(article, Path) or path.is_file():
        loaded = list(load_path(path))
        if len(loaded) != 1:
            raise InputError(
                path, f"holds {len(loaded)} records; use factsift.load_documents for such files"
            )
        if isinstance(loaded[0], InputError):
            raise loaded[0]
        return loaded[0]
    return make_document(str(article))


def extract(article: Article, *, model: str | None = None, **options: Any) -> ArticleFacts:
    """Facts from one article, with a throwaway :class:`Extractor`.

    ``options`` are :class:`Extractor`'s keyword arguments, plus ``published``.
    """
    published = options.pop("published", None)
    with Extractor(model, **options) as extractor:
        return extractor.extract(article, published=published)
