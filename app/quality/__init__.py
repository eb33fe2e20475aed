"""Feed quality per vendor and day: what arrived, how late, and where the feed was silent."""
