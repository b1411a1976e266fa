"""The council employee register (R-ROLE-3): who may never receive a gift from a client."""
