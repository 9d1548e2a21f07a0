"""Anomalies as regulators and enterprises work on them, and the payments and declarations behind some of them."""
