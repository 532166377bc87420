"""Billing: plans, quotas, usage and Stripe subscriptions."""
