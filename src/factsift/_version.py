"""The package version, in a leaf module so that cache keys can include it."""

VERSION = "0.1.0"
