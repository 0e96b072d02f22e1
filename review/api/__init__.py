"""The API of the decisions on dossiers, read by those the pages show them to."""
