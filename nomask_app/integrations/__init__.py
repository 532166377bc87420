"""Vendor SDKs, one module per vendor; the only place that imports them."""
