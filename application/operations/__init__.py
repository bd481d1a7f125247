"""Operating the service: incidents (R6.2) and the administrators' alerts."""
