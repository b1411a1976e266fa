"""Who is calling: tokens, principals, roles and the permission matrix (R-ROLE)."""
