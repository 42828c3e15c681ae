"""Market development funds at the edge: the `portal mdf` commands and the proof files."""
