"""Help-center knowledge: ingestion into Qdrant, hybrid retrieval and answer composition."""
