"""Domain values with no I/O beyond reading and writing their own files."""
