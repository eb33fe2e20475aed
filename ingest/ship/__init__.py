"""`callpulse ship`: the agent a vendor runs next to its PBX to push a feed's files."""
