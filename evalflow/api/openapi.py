"""OpenAPI document (filled in below)."""
