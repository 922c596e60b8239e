"""What a run writes: the metric registry and recorder, the ACLED-shaped event log, Results and
their files, and the dashboard figure."""
