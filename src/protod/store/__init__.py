"""What a run writes and reads: atomic files, typed records, run identity and provenance."""
