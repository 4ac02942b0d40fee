"""Disclosures to recipients and the Art. 19 notices sent to them."""
