"""The directory of officers and system accounts that tokens name."""
