"""Domain logic as plain functions. No Reflex imports; services never commit."""
