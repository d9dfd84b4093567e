"""Helpers of bench/run: certificates, server processes, the load generator and the report."""
