"""Live leaderboards on Redis sorted sets (SPEC §5); the SQL database stays the truth."""
