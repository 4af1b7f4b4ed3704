"""Embedded storage: the SQLAlchemy database and the sample order store behind a small interface."""
