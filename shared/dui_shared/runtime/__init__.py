"""Process-level plumbing: embedded servers for `make run` and tests, and the platform launcher."""
