"""The interceptors qdpool ships, one per module; ``qdpool.pipeline`` gives their order."""
