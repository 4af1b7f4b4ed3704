"""Benchmark the local LLM layer against llama.cpp's own speed on the same model, in the same run.

For a GGUF model it prints:

- load time (our lazy load, and llama.cpp's `t_load`),
- prompt tokens/s and generated tokens/s (llama.cpp's `llama_perf_context` counters),
- time to first token of a raw streamed generation,
- end-to-end latency of `generate_grounded_answer` through our layer (p50/p95 over `--runs`
  questions about a few fixed sample passages: chat template, JSON-schema grammar, parsing,
  validation), next to
- raw llama.cpp generations with the same prompt and the same number of tokens
  (`Llama.generate` without a grammar, and with our grammar),
- the ratio of our end-to-end latency to the raw generation latency.

Every run starts from an empty KV cache (`--warm-cache` keeps llama.cpp's prefix reuse, as in
production where the system prompt stays cached), so the columns do the same work.

Run it:

    # smoke test: builds the tiny random-weight model of the tests into a temp dir
    .venv/actions/bin/python scripts/bench_llm.py

    # a real 1-3B instruct model in Q4_K_M, e.g. one of
    #   Qwen2.5-1.5B-Instruct-Q4_K_M.gguf   (bartowski/Qwen2.5-1.5B-Instruct-GGUF)
    #   Llama-3.2-3B-Instruct-Q4_K_M.gguf   (bartowski/Llama-3.2-3B-Instruct-GGUF)
    # downloaded by hand into models/ (git-ignored), then:
    .venv/actions/bin/python scripts/bench_llm.py --model models/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf \\
        --runs 10 --threads 1 --max-tokens 384

Use the thread count you deploy with (`LLM_THREADS`, default 1), and run once with the Rasa
server idle and once while it is busy: on a 2-core host a second llama.cpp thread competing
with a busy core slows generation dramatically. With random weights the tiny model's answers
are gibberish (most are rejected by validation or end at max tokens); only its timings matter.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.knowledge.passages import Passage
from actions.llm.config import DEFAULT_CONTEXT_SIZE, DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE
from actions.llm.grounded import generate_grounded_answer, grounded_answer_schema
from actions.llm.json_grammar import schema_to_gbnf
from actions.llm.llama_cpp_client import LlamaCppClient
from actions.llm.prompts import grounded_messages

PASSAGES = [
    Passage(id="return-policy#how-long-you-have", article_id="return-policy", title="Return policy",
            section="How long you have", category="returns",
            text="You can return unused items within 60 days of delivery for a full refund to the original "
                 "payment method. Items bought on sale can be returned within 30 days. Start a return from "
                 "Orders in your account, print the prepaid label and drop the parcel at any carrier point."),
    Passage(id="shipping-costs#standard", article_id="shipping-costs", title="Shipping costs",
            section="Standard shipping", category="shipping",
            text="Standard shipping is free on orders over $75 within the United States. Below $75 it costs "
                 "$6.95. Express shipping costs $14.95 and arrives in 1-2 business days. We ship to Canada "
                 "for a flat $12."),
    Passage(id="gift-cards#using", article_id="gift-cards", title="Gift cards", section="Using a gift card",
            category="payments",
            text="You can use up to two gift cards per order, together with a card payment for the rest. "
                 "Gift cards never expire and cannot be exchanged for cash."),
    Passage(id="warranty#boots", article_id="warranty", title="Warranty", section="Footwear",
            category="returns",
            text="Northwind footwear has a two-year warranty against defects in materials and workmanship. "
                 "Normal wear, such as worn soles, is not covered."),
]
QUESTIONS = [
    "How long do I have to return unused boots?",
    "Is shipping free if I spend $80?",
    "Can I pay with two gift cards?",
    "Are worn soles covered by the warranty?",
    "Do you price match other stores?",
]


@dataclass
class Run:
    seconds: float
    prompt_tokens: int
    generated_tokens: int  # sampled, the end-of-text token included
    decode_steps: int  # single-token decodes after the prompt (llama.cpp's n_eval)
    prompt_ms: float
    generation_ms: float
    first_token_seconds: float | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="GGUF file (default: build the tiny test model)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--context-size", type=int, default=DEFAULT_CONTEXT_SIZE)
    parser.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS)
    parser.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warm-cache", action="store_true", help="keep llama.cpp's KV prefix cache between runs")
    args = parser.parse_args()

    import llama_cpp

    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model
        if model_path is None:
            from tests.llm.tiny_gguf import build_tiny_gguf

            model_path = build_tiny_gguf(Path(tmp) / "tiny.gguf")
        client = LlamaCppClient(model_path, context_size=args.context_size, threads=args.threads,
                                max_tokens=args.max_tokens, temperature=args.temperature,
                                timeout_seconds=3600, seed=args.seed)
        started = time.perf_counter()
        llama = client.load()
        load_seconds = time.perf_counter() - started
        t_load_ms = llama_cpp.llama_perf_context(llama.ctx).t_load_ms

        ours, raw, raw_grammar = [], [], []
        outcomes = {"llm": 0, "none": 0, "failed": 0}
        grammar_text = schema_to_gbnf(grounded_answer_schema([p.id for p in PASSAGES]))
        for i in range(args.runs):  # interleaved, so load changes on the host hit all columns alike
            question = QUESTIONS[i % len(QUESTIONS)]
            _prepare(llama, args.warm_cache)
            started = time.perf_counter()
            answer = generate_grounded_answer(question, PASSAGES, client)
            ours.append(_finish(llama, time.perf_counter() - started))
            outcomes["failed" if answer is None else answer.mode] += 1
            tokens = _prompt_tokens(llama, question)
            n_tokens = ours[-1].generated_tokens
            raw.append(_raw_generation(llama, tokens, n_tokens, args, grammar=None))
            grammar = llama_cpp.LlamaGrammar.from_string(grammar_text, verbose=False)
            raw_grammar.append(_raw_generation(llama, tokens, n_tokens, args, grammar=grammar))

        size_mb = model_path.stat().st_size / 1e6
        print(f"model        {model_path} ({size_mb:.1f} MB, {llama.metadata.get('general.architecture')}, "
              f"{llama.n_vocab()} tokens vocab)")
        print(f"settings     threads={args.threads} context={args.context_size} max_tokens={args.max_tokens} "
              f"temperature={args.temperature} runs={args.runs} kv-cache={'warm' if args.warm_cache else 'cold'} "
              f"llama-cpp-python={llama_cpp.__version__}")
        print(f"load         {load_seconds:.3f} s through our layer (llama.cpp t_load {t_load_ms:.1f} ms)")
        print(f"outcomes     {outcomes['llm']} answered, {outcomes['none']} not answerable, "
              f"{outcomes['failed']} fell back" + (" (random weights: gibberish)" if args.model is None else ""))
        print(f"host         {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min)")
        print()
        columns = [("ours: grounded answer", ours), ("raw llama.cpp", raw), ("raw + our grammar", raw_grammar)]
        print(f"{'':28}" + "".join(f"{name:>24}" for name, _ in columns))
        rows = [
            ("prompt tokens (mean)", lambda r: f"{statistics.mean(x.prompt_tokens for x in r):.0f}"),
            ("prompt tokens/s", lambda r: _rate(sum(x.prompt_tokens for x in r), sum(x.prompt_ms for x in r))),
            ("generated tokens (mean)", lambda r: f"{statistics.mean(x.generated_tokens for x in r):.1f}"),
            ("generated tokens/s", lambda r: _rate(sum(x.decode_steps for x in r), sum(x.generation_ms for x in r))),
            ("time to first token p50", lambda r: _seconds([x.first_token_seconds for x in r])),
            ("end-to-end p50", lambda r: f"{_percentile([x.seconds for x in r], 50):.3f} s"),
            ("end-to-end p95", lambda r: f"{_percentile([x.seconds for x in r], 95):.3f} s"),
        ]
        for label, cell in rows:
            print(f"{label:28}" + "".join(f"{cell(r):>24}" for _, r in columns))
        ours_p50 = _percentile([x.seconds for x in ours], 50)
        print()
        print(f"ratio ours / raw llama.cpp (p50 end-to-end):          {ours_p50 / _percentile([x.seconds for x in raw], 50):.2f}")
        print(f"ratio ours / raw llama.cpp + grammar (p50 end-to-end): "
              f"{ours_p50 / _percentile([x.seconds for x in raw_grammar], 50):.2f}")
        print("(prompt/generation rates are llama.cpp's own llama_perf_context counters; 'ours' has no streaming,"
              " so its time to first token is not measured)")


def _prepare(llama, warm: bool) -> None:
    import llama_cpp

    if not warm:
        llama.reset()
    llama_cpp.llama_perf_context_reset(llama.ctx)


def _finish(llama, seconds: float, first_token: float | None = None) -> Run:
    import llama_cpp

    perf = llama_cpp.llama_perf_context(llama.ctx)
    # llama.cpp counts the prompt as one batch and every later token as one decode; the first
    # generated token comes out of the prompt batch, so generated = n_eval + 1
    return Run(seconds=seconds, prompt_tokens=perf.n_p_eval, generated_tokens=perf.n_eval + 1,
               decode_steps=perf.n_eval, prompt_ms=perf.t_p_eval_ms, generation_ms=perf.t_eval_ms, first_token_seconds=first_token)


def _prompt_tokens(llama, question: str) -> list[int]:
    """The exact tokens our layer sends for `question`: the GGUF chat template applied to our messages."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llama.metadata.get("tokenizer.chat_template")
    messages = grounded_messages(question, PASSAGES)
    if not template:
        text = "\n\n".join(m["content"] for m in messages)
        return llama.tokenize(text.encode(), add_bos=True, special=True)
    eos = llama._model.token_get_text(llama.token_eos()) if llama.token_eos() != -1 else ""
    bos = llama._model.token_get_text(llama.token_bos()) if llama.token_bos() != -1 else ""
    formatted = Jinja2ChatFormatter(template, eos, bos)(messages=messages)
    return llama.tokenize(formatted.prompt.encode(), add_bos=not formatted.added_special, special=True)


def _raw_generation(llama, tokens: list[int], n_tokens: int, args, *, grammar) -> Run:
    """`n_tokens` tokens straight from `Llama.generate` (EOS ignored unless a grammar ends it)."""
    import llama_cpp

    _prepare(llama, args.warm_cache)
    llama.set_seed(args.seed)
    started = time.perf_counter()
    first = None
    count = 0
    for token in llama.generate(tokens, temp=args.temperature, top_k=40, top_p=0.95, min_p=0.05,
                                repeat_penalty=1.0, grammar=grammar):
        count += 1
        if first is None:
            first = time.perf_counter() - started
        if count >= n_tokens or (grammar is not None and llama_cpp.llama_vocab_is_eog(llama._model.vocab, token)):
            break
    return _finish(llama, time.perf_counter() - started, first)


def _rate(tokens: float, milliseconds: float) -> str:
    return f"{tokens / (milliseconds / 1000):.1f}" if milliseconds > 0 else "-"


def _seconds(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.3f} s" if known else "-"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))]


if __name__ == "__main__":
    main()
