"""Helpers shared by the states of several areas."""
