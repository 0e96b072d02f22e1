"""The API of the dossiers, read by the people the pages show them to."""
