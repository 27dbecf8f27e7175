"""Stage 4, validate: SHACL and violation queries on the graph, the shapes themselves, URI stability."""
