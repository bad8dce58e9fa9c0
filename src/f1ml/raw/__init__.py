"""Raw layer of the Formula 1 pipeline: table definitions, loader and scaled-data generator."""
