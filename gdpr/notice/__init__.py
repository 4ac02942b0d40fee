"""The privacy notice (Art. 13/14) and the records of processing (Art. 30)."""
