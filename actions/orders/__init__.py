"""Order-related rules of the Northwind help center, applied to real order records."""
