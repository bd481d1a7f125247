"""The car park (停车/道闸): vehicles and plates, monthly passes, the tariff,
temporary parking sessions from the barrier gate, the blocklist."""
