"""Rasa custom input channels for the Northwind Outfitters assistant (run in the Rasa server env).

Configured from environment variables, not credentials.yml, so the assistant starts without them:
a channel whose variables are unset stays mounted but answers 503 and never calls out.
See channels/README.md.
"""
