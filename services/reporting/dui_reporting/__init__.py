"""The reporting service: facts and indicators derived from the event log alone."""
