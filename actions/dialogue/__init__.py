"""Rasa action classes: thin adapters from the tracker to the plain Python capabilities."""
