"""Rectification (Art. 16): the sources apps declare and the decisions."""
