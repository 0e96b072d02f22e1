"""The API of the organisations, read by their active members."""
