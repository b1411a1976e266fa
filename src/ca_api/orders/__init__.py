"""The council's legal roles for a client: DWP appointeeship and Court of Protection deputyship."""
