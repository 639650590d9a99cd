"""Drift of new real batches against the champion's training data: data drift and concept drift."""
