"""The soins service."""
