"""HTML pages of the register: graph index, typed contexts, maps and rendering."""
