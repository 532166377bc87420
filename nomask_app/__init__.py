"""NoMask AI: a privacy-first AI chat platform."""
