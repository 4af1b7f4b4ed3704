"""Local LLM through llama.cpp (or an OpenAI-compatible server) with validated, grounded output.

What the Rasa actions call (all blocking and never raising; run them off the event loop):

    from actions.llm import get_llm, generate_grounded_answer, summarize_handover
    answer = generate_grounded_answer(question, passages, get_llm(), previous_user_message)
    summary = summarize_handover(get_llm(), transcript, facts)

`warm_up_llm()` loads the configured models at startup. Settings: `actions/llm/config.py`.
Importing this package is cheap: llama_cpp and requests are imported on first use.
"""

from actions.llm.factory import get_llm, warm_up_llm
from actions.llm.grounded import generate_grounded_answer
from actions.llm.summary import summarize_handover

__all__ = ["generate_grounded_answer", "get_llm", "summarize_handover", "warm_up_llm"]
