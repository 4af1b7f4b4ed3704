"""Custom Rasa graph components (run in the Rasa env; `rasa train`/`rasa run` import them from the repo root)."""
