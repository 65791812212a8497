"""Command line: thin typer commands over the Python API."""
