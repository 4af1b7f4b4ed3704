"""Who may call what on the action server.

- `config`: `ACTION_SERVER_TOKEN` and `WEBCHAT_ORIGINS`, read and validated once at start.
- `access`: the shared-token check on every private route (rasa-sdk's `/webhook` and
  `/actions`, and any route not listed as public), CORS limited to the listed origins, and
  plain 404/405 answers for unknown URLs.
"""
