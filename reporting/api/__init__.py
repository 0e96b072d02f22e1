"""The public API of the list of operations."""
