"""The public API of funds, programmes, authorities and calls."""
