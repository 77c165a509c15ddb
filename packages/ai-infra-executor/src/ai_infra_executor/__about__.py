"""Version of the ai-infra-executor distribution (read by hatchling)."""

__version__ = "0.1.0"
