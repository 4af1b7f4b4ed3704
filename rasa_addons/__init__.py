"""Code the Rasa server loads by name from endpoints.yml (Python 3.10, the Rasa environment)."""
