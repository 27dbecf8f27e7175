"""Stage 1, read: the source tables, cells and RDF files, checked, with their locations."""
