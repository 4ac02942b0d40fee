"""Access exports (Art. 15/20): what is gathered, the archive, its schema."""
