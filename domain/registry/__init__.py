"""The registry (R1.1): estates, buildings, units, parking, people and occupancy."""
