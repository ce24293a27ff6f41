"""Where documents live: the registry, uploaded files, page texts and the chunk store."""
