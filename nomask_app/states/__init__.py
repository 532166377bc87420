"""Thin Reflex states, one concern per file. They call services and hold view data only."""
