"""The run directory: W&B's on-disk format that the client writes, the sender streams, the server
stores and the dashboard reads (paths, crash-safe appends, atomic rewrites, output.log, listing)."""
