"""Side-by-side benchmarks of the write and read paths (``make bench``)."""
