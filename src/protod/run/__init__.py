"""Running dialogues: the episode engine, its per-episode metrics and the demo's job queue."""
