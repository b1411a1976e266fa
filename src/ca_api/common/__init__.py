"""Pieces every domain module's GraphQL layer shares: ids, pagination, scalars, problems."""
