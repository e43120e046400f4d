"""Synthetic plate and scene generators for training and evaluation."""
