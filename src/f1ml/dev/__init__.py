"""Developer tools: what builds, checks and measures the project, never run by the jobs."""
