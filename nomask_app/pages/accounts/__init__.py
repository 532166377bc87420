"""Accounts: sign-up, sign-in, sessions, devices, verification, passwords, two-factor, profile."""
