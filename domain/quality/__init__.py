"""Data quality (R7.5): the checks an estate's records are held to, and their runs."""
