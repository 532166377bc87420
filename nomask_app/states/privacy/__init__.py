"""Privacy: consent, the policy, data export and erasure."""
