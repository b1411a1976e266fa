"""Files stored in the database: photographs of valuables, and later letters as PDF."""
