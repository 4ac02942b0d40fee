"""Erasure (Art. 17): what is deleted, anonymised or kept, as the apps declare."""
