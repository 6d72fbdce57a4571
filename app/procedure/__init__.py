"""The rules of procedure (业主大会议事规则): versions proposed, adopted by an owners' decision, in force (R-PROC)."""
