"""Stage 5, emit: dumps, per-resource documents, pages, query results, web-server configurations and the output tree."""
