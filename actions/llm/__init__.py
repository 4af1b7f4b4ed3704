"""Local LLM through llama.cpp (or an OpenAI-compatible server) with validated, grounded output."""
