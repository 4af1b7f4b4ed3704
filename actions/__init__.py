"""Northwind helpdesk action server: one subpackage per capability.

`dialogue` holds the thin Rasa action classes; `knowledge`, `llm`, `handover` and `store`
hold the plain Python they call.
"""
