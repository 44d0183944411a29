"""The gateway: the platform's single REST door for front ends (OpenAPI, RFC 9457 errors, the caller's identity)."""
