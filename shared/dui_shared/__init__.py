"""The project's shared library: event log, aggregates, projections, edges. Services depend only on this."""
