"""Side-by-side throughput and latency figures of the event log, the projections and their baselines."""
