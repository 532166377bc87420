"""Reusable UI pieces. Components import states, never services or vendors."""
