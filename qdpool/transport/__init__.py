"""Transports: how calls reach Qdrant over REST and gRPC, and their wire codecs."""
