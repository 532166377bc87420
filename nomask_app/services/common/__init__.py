"""Helpers shared by every area of this layer."""
