"""Version of the ai-infra-formatters distribution (read by hatchling)."""

__version__ = "0.1.0"
