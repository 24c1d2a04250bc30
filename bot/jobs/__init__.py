"""Background work: a table-backed job runner and its jobs."""
