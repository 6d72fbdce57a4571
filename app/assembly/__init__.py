"""The first owners\x27 assembly as a guided procedure (Beijing Arts. 31–33, 42–43; R-FIRST)."""
