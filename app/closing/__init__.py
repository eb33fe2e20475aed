"""Period close (DESIGN §10): both parties close a contract's period and its report freezes."""
