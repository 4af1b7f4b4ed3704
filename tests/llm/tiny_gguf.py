"""Build a tiny random-weight llama-architecture GGUF that llama.cpp can load.

Used by the LLM tests and by `scripts/bench_llm.py` when no real model is given. The model
talks nonsense (random weights) but exercises the real code paths: GGUF loading, the
SentencePiece-style tokenizer, the chat template from the metadata, grammar-constrained
sampling and llama.cpp's timings.

    from tests.llm.tiny_gguf import build_tiny_gguf
    path = build_tiny_gguf(tmp_path / "tiny.gguf")
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

# A ChatML template, as most instruct GGUFs carry in tokenizer.chat_template.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_WORDS = (
    "the and you your order return refund days within item items store policy ship "
    "shipping free over answer sources confidence answerable true false null help "
    "customer summary category priority normal high low urgent orders returns "
    "payments account other gift card exchange tent boots jacket"
).split()


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types of a small SentencePiece ("llama") vocabulary."""
    import gguf

    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 4
    scores = [0.0] * len(tokens)
    for byte in range(256):  # byte fallback: every text can be tokenised
        tokens.append(f"<0x{byte:02X}>")
        types.append(gguf.TokenType.BYTE)
        scores.append(0.0)
    pieces = ["\u2581"] + [c for c in string.printable if c.isprintable() and c != " "]
    pieces += ["\u2581" + word for word in _WORDS] + ['\u2581"', '":', '",', "\u2581{", "}"]
    seen = set(tokens)
    for i, piece in enumerate(pieces):
        if piece in seen:
            continue
        seen.add(piece)
        tokens.append(piece)
        types.append(gguf.TokenType.NORMAL)
        scores.append(-float(i) if len(piece) == 1 else float(len(piece)))
    return tokens, scores, [int(t) for t in types]


def build_tiny_gguf(
    path: str | Path,
    *,
    n_embd: int = 64,
    n_layers: int = 2,
    n_heads: int = 4,
    n_ff: int = 128,
    context_length: int = 4096,
    seed: int = 0,
    chat_template: str | None = CHAT_TEMPLATE,
) -> Path:
    """Write a random-weight llama GGUF (float32, ~1 MB) to `path` and return the path."""
    import gguf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens, scores, types = _vocabulary()
    n_vocab = len(tokens)
    rng = np.random.default_rng(seed)

    def weights(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("northwind-tiny-random")
    writer.add_context_length(context_length)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(n_layers)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_heads)
    writer.add_head_count_kv(n_heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // n_heads)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    if chat_template:
        writer.add_chat_template(chat_template)

    # numpy shapes are the reverse of ggml's ne[]: (rows = outputs, cols = inputs)
    writer.add_tensor("token_embd.weight", weights(n_vocab, n_embd))
    for block in range(n_layers):
        prefix = f"blk.{block}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(prefix + "attn_q.weight", weights(n_embd, n_embd))
        writer.add_tensor(prefix + "attn_k.weight", weights(n_embd, n_embd))
        writer.add_tensor(prefix + "attn_v.weight", weights(n_embd, n_embd))
        writer.add_tensor(prefix + "attn_output.weight", weights(n_embd, n_embd))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", weights(n_ff, n_embd))
        writer.add_tensor(prefix + "ffn_up.weight", weights(n_ff, n_embd))
        writer.add_tensor(prefix + "ffn_down.weight", weights(n_embd, n_ff))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", weights(n_vocab, n_embd))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_corrupt_gguf(path: str | Path) -> Path:
    """Write a file that starts like a GGUF but is truncated garbage (a broken download)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + bytes(range(256)) * 4)
    return path


if __name__ == "__main__":
    import sys

    print(build_tiny_gguf(sys.argv[1] if len(sys.argv) > 1 else "tiny.gguf"))
