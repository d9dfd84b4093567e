"""Helpers of the end-to-end tests: certificates, backends, the tollgate process and clients."""
